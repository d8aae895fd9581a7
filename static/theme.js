/* Applies the remembered theme before the page paints (loaded without defer, in <head>).
   portal.js's toggle stores it; without a stored choice the system's colour scheme rules. */
(function () {
  'use strict';
  try {
    var theme = window.localStorage.getItem('te-theme');
    if (theme === 'dark' || theme === 'light') {
      document.documentElement.setAttribute('data-theme', theme);
    }
  } catch (e) { /* storage blocked: follow the system */ }
})();
