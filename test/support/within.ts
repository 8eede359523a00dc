/**
 * Ask again until the answer is as wanted or `ms` have passed, then return the last answer (the
 * caller's assertion then fails with it). A bounded wait for a condition a contract promises within a
 * time ("findable within 5 seconds"), never a sleep that hopes.
 */
export async function within<T>(
  ms: number,
  ask: () => Promise<T>,
  wanted: (answer: T) => boolean,
  pauseMs = 100,
): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const answer = await ask();
    if (wanted(answer) || Date.now() >= deadline) return answer;
    await new Promise((r) => setTimeout(r, pauseMs));
  }
}
