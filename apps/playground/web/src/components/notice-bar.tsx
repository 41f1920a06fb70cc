/** A message across the top of the page. */
export interface Notice {
  tone: 'info' | 'warn' | 'error'
  text: string
}

/**
 * The notice across the top of the page, with a close button; nothing when there is none.
 * @example
 * <NoticeBar notice={{ tone: 'warn', text: 'Signed out.' }} onClose={clear} />
 */
export function NoticeBar({ notice, onClose }: { notice: Notice | null; onClose: () => void }) {
  if (!notice) return null
  return (
    <div class={`notice notice-${notice.tone}`} role="status" data-testid="notice">
      <span>{notice.text}</span>
      <button type="button" class="notice-close" aria-label="Dismiss" onClick={onClose}>
        ×
      </button>
    </div>
  )
}
