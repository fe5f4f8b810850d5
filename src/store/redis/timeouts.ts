/** How long a command may take before its request is answered 503 (scale-out: within 1 s). */
export const COMMAND_TIMEOUT_MS = 1000;
