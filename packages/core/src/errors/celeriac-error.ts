/** Base class of every error Celeriac throws. `code` is stable and machine-readable. */
export class CeleriacError extends Error {
  readonly code: string;

  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

/** Invalid configuration: a bad option value, a missing backend, an unknown URL scheme. */
export class ConfigError extends CeleriacError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('CONFIG', message, options);
  }
}

/** An adapter package needed by a broker/backend URL is not installed. */
export class AdapterNotInstalledError extends ConfigError {
  readonly packageName: string;

  constructor(packageName: string, url: string, options?: { cause?: unknown }) {
    super(
      `The URL ${url} needs the package ${packageName}, which is not installed. Run \`npm install ${packageName}\` in the project that creates the Celeriac app.`,
      options,
    );
    this.packageName = packageName;
  }
}

/** Arguments or a result that are not plain JSON values, or a payload over the size cap. */
export class SerializationError extends CeleriacError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('SERIALIZATION', message, options);
  }
}

/** A client-side wait (`get({ timeout })`, control replies, `close({ timeout })`) ran out. */
export class TimeoutError extends CeleriacError {
  constructor(message: string) {
    super('TIMEOUT', message);
  }
}
