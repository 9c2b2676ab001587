/** A passage an answer was drawn from. Snake case: this is what the HTTP API returns as is. */
export interface AnswerSource {
  upload_id: string;
  filename: string;
  chunk_index: number;
  /** Cosine similarity between the question and the chunk, -1…1. */
  score: number;
  text: string;
}

/** One turn of a chat session. */
export interface ChatMessage {
  role: 'user' | 'assistant';
  content: string;
  /** ISO-8601. */
  at: string;
  /** The passages an assistant answer cites. */
  sources?: AnswerSource[];
}

/** A chat session: its history, kept until `cleanup.oldSessions` removes it. */
export interface ChatSession {
  id: string;
  /** ISO-8601. */
  createdAt: string;
  /** ISO-8601 time of the last message: the age `cleanup.oldSessions` compares. */
  updatedAt: string;
  messages: ChatMessage[];
}

/** Persistence of chat sessions. */
export interface SessionStore {
  get(sessionId: string): Promise<ChatSession | undefined>;
  /** Append messages, creating the session if needed; returns the session as stored. */
  append(sessionId: string, messages: ChatMessage[]): Promise<ChatSession>;
  delete(sessionId: string): Promise<boolean>;
  /** Remove sessions whose last message is older than `cutoff`; returns their ids. */
  deleteOlderThan(cutoff: Date): Promise<string[]>;
}
