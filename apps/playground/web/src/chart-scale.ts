/**
 * A round upper bound for the chart's y axis: 4, 5, 10, 20, 50, 100…
 * @example niceMax(38) // 50
 */
export function niceMax(value: number): number {
  if (value <= 4) return 4
  const magnitude = 10 ** Math.floor(Math.log10(value))
  for (const step of [1, 2, 5, 10]) if (value <= step * magnitude) return step * magnitude
  return 10 * magnitude
}
