/**
 * Imported first by every benchmark that loads shared/ (see local/quiet.ts). The throughput
 * benchmark's server child keeps the deployed INFO level, since logging is part of a handler's
 * real cost.
 */
import '../../local/quiet';
