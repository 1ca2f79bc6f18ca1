// The private Connect worker lives in stack/private/ (the chaos command uses it too).
export { privateConnect, sharedStackLayout, type PrivateService } from '../../stack/private/services.js';
