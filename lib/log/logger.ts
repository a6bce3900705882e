/**
 * Structured one-line JSON logs (Cloud Logging parses them). Errors are reduced to name, message and code:
 * Firebase errors can embed request payloads, so nothing else from them is written.
 */
type Fields = Record<string, unknown>;

function safe(fields: Fields): Fields {
  const out: Fields = {};
  for (const [key, value] of Object.entries(fields)) {
    if (value instanceof Error) {
      const code = (value as { code?: unknown }).code;
      out[key] = { name: value.name, message: value.message, ...(code !== undefined ? { code } : {}) };
    } else {
      out[key] = value;
    }
  }
  return out;
}

function write(severity: "INFO" | "WARNING" | "ERROR", message: string, fields: Fields = {}) {
  const line = JSON.stringify({ severity, message, time: new Date().toISOString(), ...safe(fields) });
  if (severity === "ERROR") console.error(line);
  else console.log(line);
}

export const logger = {
  info: (message: string, fields?: Fields) => write("INFO", message, fields),
  warn: (message: string, fields?: Fields) => write("WARNING", message, fields),
  error: (message: string, fields?: Fields) => write("ERROR", message, fields),
};
