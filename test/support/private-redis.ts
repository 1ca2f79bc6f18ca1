// The private Redis lives in stack/private/ (the chaos command uses it too).
export { PrivateRedis } from '../../stack/private/redis.js';
