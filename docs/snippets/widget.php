<?php
// Hand the signed string to the widget without breaking out of HTML or JavaScript.
// Usage: php widget.php TOKEN  (prints the two ways to embed it)
$token = $argv[1];

// As an attribute of the Talkative element: escape for an HTML attribute.
echo '<talkative-engage signed-interaction-data="', htmlspecialchars($token, ENT_QUOTES | ENT_HTML5), '"></talkative-engage>', "\n";

// In script: emit a JSON string literal, with <, >, &, ' and " escaped so it cannot end the tag.
$literal = json_encode($token, JSON_HEX_TAG | JSON_HEX_AMP | JSON_HEX_APOS | JSON_HEX_QUOT);
echo "<script>TalkativeEngageApi.startChat({signedInteractionData: $literal});</script>", "\n";
