// The private broker lives in stack/private/ (the chaos command uses it too).
export { PrivateKafka, stackKafkaLib } from '../../stack/private/kafka.js';
