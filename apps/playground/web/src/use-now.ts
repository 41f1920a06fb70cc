import { useEffect, useState } from 'preact/hooks'

/**
 * The server's clock (the client's plus `offset`), re-read every `everyMs`.
 * @example const now = useNow(serverOffset)
 */
export function useNow(offset: number, everyMs = 1000): number {
  const [now, setNow] = useState(() => Date.now() + offset)
  useEffect(() => {
    setNow(Date.now() + offset)
    const timer = setInterval(() => setNow(Date.now() + offset), everyMs)
    return () => clearInterval(timer)
  }, [offset, everyMs])
  return now
}
