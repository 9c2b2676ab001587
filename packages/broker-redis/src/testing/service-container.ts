/** What {@link startServiceContainer} got: a URL, or why there is none. */
export interface ContainerOutcome {
  url?: string;
  /** Why no container runs ('' when `url` is set). */
  reason: string;
}

/** The server a test suite needs in a container when none answers where it looked. */
export interface ServiceContainer {
  /** Named in the reason when it cannot start, e.g. `RabbitMQ`. */
  service: string;
  image: string;
  port: number;
  /** The URL of the started server, from the host and port Docker mapped. */
  url(host: string, port: number): string;
}

interface ContainerBuilder {
  withExposedPorts(port: number): ContainerBuilder;
  start(): Promise<{ getHost(): string; getMappedPort(port: number): number }>;
}

/**
 * Start a throwaway server with testcontainers, when it is installed and Docker works. It is an
 * optional dependency nobody declares: the specifier sits in a variable so neither tsc nor a
 * bundler tries to resolve it.
 */
export async function startServiceContainer(container: ServiceContainer): Promise<ContainerOutcome> {
  let module: { GenericContainer: new (image: string) => ContainerBuilder };
  try {
    const specifier = 'testcontainers';
    module = (await import(specifier)) as typeof module;
  } catch {
    return { reason: 'testcontainers is not installed' };
  }
  try {
    const started = await new module.GenericContainer(container.image).withExposedPorts(container.port).start();
    return { url: container.url(started.getHost(), started.getMappedPort(container.port)), reason: '' };
  } catch (error) {
    return { reason: `testcontainers could not start ${container.service} (${(error as Error).message})` };
  }
}

/** A throwaway Redis (redis:7-alpine). */
export function startRedisContainer(): Promise<ContainerOutcome> {
  return startServiceContainer({
    service: 'Redis',
    image: 'redis:7-alpine',
    port: 6379,
    url: (host, port) => `redis://${host}:${port}`,
  });
}
