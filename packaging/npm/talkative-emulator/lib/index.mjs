// ES module entry: `import { start, routeTalkative } from 'talkative-emulator'`.
import api from './index.js';

export const { start, routeTalkative, isTalkativeUrl, Emulator, TALKATIVE_HOSTS } = api;
export default api;
