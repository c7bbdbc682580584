// The agent's QR SVG as an image source: a `data:` URL, which the page's
// policy allows for images (`img-src 'self' data:`). As an <img>, the SVG
// cannot run anything, whatever it holds.

/** `data:image/svg+xml,…` for the SVG document `svg`. */
export function qrSource(svg: string): string {
  return `data:image/svg+xml;charset=utf-8,${encodeURIComponent(svg)}`;
}

