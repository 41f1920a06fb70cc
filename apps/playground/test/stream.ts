/**
 * Reads the first message of the playground's event stream (`hello`: the recent events and
 * stats) as raw text, the way any client would receive it.
 */
export async function firstStreamMessage(url: string): Promise<string> {
  const abort = new AbortController()
  const response = await fetch(`${url}/api/events`, { signal: abort.signal })
  const reader = response.body!.getReader()
  const decoder = new TextDecoder()
  let text = ''
  try {
    while (!/event: hello\ndata: .*\n\n/.test(text)) {
      const { value, done } = await reader.read()
      if (done) break
      text += decoder.decode(value, { stream: true })
    }
  } finally {
    abort.abort()
  }
  return text
}
