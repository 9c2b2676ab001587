/** Backend key holding a group's member ids in order (JSON), read when its chord completes. */
export function groupMembersKey(groupId: string): string {
  return `group:${groupId}`;
}

/** Backend counter of a chord's members that succeeded. */
export function chordCounterKey(groupId: string): string {
  return `chord:${groupId}`;
}

/** Marks one member counted, so a redelivered member cannot count twice. */
export function chordMemberKey(groupId: string, taskId: string): string {
  return `chord:${groupId}:done:${taskId}`;
}

/** Marks the chord failed, so the callback fails once however many members fail. */
export function chordFailedKey(groupId: string): string {
  return `chord:${groupId}:failed`;
}

/** Option carried on a chord's callback signature: how many members to wait for. */
export const CHORD_SIZE_OPTION = 'chordSize';
