/** What {@link startRedisContainer} got: a URL, or why there is none. */
export interface ContainerOutcome {
  url?: string;
  /** Why no container runs ('' when `url` is set). */
  reason: string;
}

interface ContainerBuilder {
  withExposedPorts(port: number): ContainerBuilder;
  start(): Promise<{ getHost(): string; getMappedPort(port: number): number }>;
}

/**
 * Start a throwaway Redis with testcontainers, when it is installed and Docker works. It is an
 * optional dependency nobody declares: the specifier sits in a variable so neither tsc nor a
 * bundler tries to resolve it.
 */
export async function startRedisContainer(): Promise<ContainerOutcome> {
  let module: { GenericContainer: new (image: string) => ContainerBuilder };
  try {
    const specifier = 'testcontainers';
    module = (await import(specifier)) as typeof module;
  } catch {
    return { reason: 'testcontainers is not installed' };
  }
  try {
    const container = await new module.GenericContainer('redis:7-alpine').withExposedPorts(6379).start();
    return { url: `redis://${container.getHost()}:${container.getMappedPort(6379)}`, reason: '' };
  } catch (error) {
    return { reason: `testcontainers could not start Redis (${(error as Error).message})` };
  }
}
