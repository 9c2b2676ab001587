/** One message of a conversation sent to a chat model. */
export interface ChatTurn {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

/** The answering stage's interface: a conversation in, the assistant's reply out. */
export interface ChatModel {
  /** e.g. `openai:gpt-4o-mini`. */
  readonly model: string;
  complete(messages: ChatTurn[], options?: { signal?: AbortSignal }): Promise<string>;
}
