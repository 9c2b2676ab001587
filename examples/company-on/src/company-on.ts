import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AmqpBroker } from '@celeriac/broker-amqp';
import { RedisBackend, RedisBroker } from '@celeriac/broker-redis';
import { type Broker, Celeriac, type ResultBackend } from '@celeriac/core';
import {
  createChatModelFromEnv,
  createEmbedderFromEnv,
  type DocumentPipeline,
  type Embedder,
  FileVectorStore,
  LocalDirectoryStorage,
  PostgresVectorStore,
  registerDocumentPipeline,
  type VectorStore,
} from '@celeriac/pipeline-documents';
import { type Logger, pino } from 'pino';

/** The queues a Company-on worker consumes. */
export const WORKER_QUEUES: string[] = ['document_processing', 'chat_processing', 'default'];

/** Options of `createCompanyOn`. */
export interface CompanyOnOptions {
  /** Uploads, chat sessions and the vector file. @default `$DATA_DIR`, else `<os tmpdir>/company-on` */
  dataDir?: string;
  /** @default `$CELERIAC_BROKER_URL`, else `memory://` */
  brokerUrl?: string;
  /** @default `$CELERIAC_RESULT_BACKEND`, else the broker's URL */
  backendUrl?: string;
  /** @default `createEmbedderFromEnv()` (OpenAI-compatible with `OPENAI_API_KEY`, else offline) */
  embedder?: Embedder;
  /** @default `PostgresVectorStore` when `VECTOR_STORE=postgres`, else a `FileVectorStore` in `dataDir` */
  vectorStore?: VectorStore;
  /**
   * Key prefix on Redis (`redis://` URLs only), so several deployments or test runs share one Redis.
   * @default `$CELERIAC_REDIS_PREFIX`, else the Redis package's own (`celeriac:`)
   */
  redisPrefix?: string;
  /**
   * Start of every queue and exchange name on RabbitMQ (`amqp://` broker URLs only), so several
   * deployments or test runs share one vhost.
   * @default `$CELERIAC_AMQP_QUEUE_PREFIX`, else none
   */
  amqpQueuePrefix?: string;
  /** Largest accepted upload in bytes. @default `$MAX_UPLOAD_BYTES`, else 50 MiB */
  maxUploadBytes?: number;
  logger?: Logger;
}

/** Everything one Company-on process holds: the app, the shared storage and the pipeline's tasks. */
export interface CompanyOn {
  app: Celeriac;
  storage: LocalDirectoryStorage;
  vectorStore: VectorStore;
  pipeline: DocumentPipeline;
  dataDir: string;
  maxUploadBytes: number;
  logger: Logger;
  close(): Promise<void>;
}

/**
 * Build the Celeriac app of the Company-on service with the document pipeline registered. Every
 * process of a deployment (web, worker, beat) calls this with the same broker and data directory.
 */
export function createCompanyOn(options: CompanyOnOptions = {}): CompanyOn {
  const env = process.env;
  const dataDir = options.dataDir ?? env.DATA_DIR ?? join(tmpdir(), 'company-on');
  // CELERIAC_LOG_LEVEL is what the CLI sets for the modules it loads (`celeriac worker --loglevel`).
  const logger = options.logger ?? pino({ level: env.LOG_LEVEL ?? env.CELERIAC_LOG_LEVEL ?? 'info' });
  const maxUploadBytes = options.maxUploadBytes ?? Number(env.MAX_UPLOAD_BYTES ?? 50 * 1024 * 1024);
  const brokerUrl = options.brokerUrl ?? env.CELERIAC_BROKER_URL ?? 'memory://';
  const backendUrl = options.backendUrl ?? env.CELERIAC_RESULT_BACKEND;
  const redisPrefix = options.redisPrefix ?? env.CELERIAC_REDIS_PREFIX;
  const amqpQueuePrefix = options.amqpQueuePrefix ?? env.CELERIAC_AMQP_QUEUE_PREFIX;
  const isRedis = (url: string): boolean => /^rediss?:/.test(url);
  // With a prefix, the adapters are built here (URLs cannot carry one), and closed by close().
  const owned: { close(): Promise<void> }[] = [];
  let broker: string | Broker = brokerUrl;
  let backend: string | ResultBackend | undefined = backendUrl;
  if (redisPrefix !== undefined && isRedis(brokerUrl)) {
    const redisBroker = new RedisBroker({ url: brokerUrl, prefix: redisPrefix });
    broker = redisBroker;
    owned.push(redisBroker);
  }
  if (amqpQueuePrefix !== undefined && /^amqps?:/.test(brokerUrl)) {
    const amqpBroker = new AmqpBroker({ url: brokerUrl, queuePrefix: amqpQueuePrefix });
    broker = amqpBroker;
    owned.push(amqpBroker);
  }
  const backendTarget = backendUrl ?? brokerUrl;
  if (redisPrefix !== undefined && isRedis(backendTarget)) {
    const redisBackend = new RedisBackend({ url: backendTarget, prefix: redisPrefix });
    backend = redisBackend;
    owned.push(redisBackend);
  }
  const app = new Celeriac({
    broker,
    ...(backend === undefined ? {} : { backend }),
    routes: { 'documents.*': { queue: 'document_processing' }, 'chat.*': { queue: 'chat_processing' } },
    defaultQueue: 'default',
    logger,
  });
  const storage = new LocalDirectoryStorage(dataDir, { maxBytes: maxUploadBytes });
  const vectorStore =
    options.vectorStore ??
    (env.VECTOR_STORE === 'postgres'
      ? new PostgresVectorStore({})
      : new FileVectorStore(join(dataDir, 'vectors.json')));
  const chatModel = createChatModelFromEnv();
  const pipeline = registerDocumentPipeline(app, {
    storage,
    vectorStore,
    embedder: options.embedder ?? createEmbedderFromEnv(),
    ...(chatModel === undefined ? {} : { chatModel }),
    maxFileBytes: maxUploadBytes,
  });
  return {
    app,
    storage,
    vectorStore,
    pipeline,
    dataDir,
    maxUploadBytes,
    logger,
    async close() {
      await app.close();
      for (const each of owned) await each.close();
      await vectorStore.close();
    },
  };
}
