// Runs inside the tab (chrome.scripting.executeScript, in the extension's isolated world) and hands back the bytes of
// the image the person right-clicked. chrome.scripting serialises this function's source, so it must not use anything
// from around it.

/**
 * Resolves { dataUrl, type, size } or { error: 'too-large' | 'unreadable' }. First fetches the image as the page would
 * (the page's cookies, its blob: URLs, data: URLs); when the page may not read it that way (another site without
 * CORS), draws the <img> the page shows onto a canvas, which works unless that image taints the canvas.
 */
export async function readImageInPage(src, maxBytes) {
  const asDataUrl = (blob) => new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => resolve(reader.result);
    reader.onerror = () => reject(reader.error);
    reader.readAsDataURL(blob);
  });
  const handOver = async (blob) => (blob.size > maxBytes
    ? { error: 'too-large', size: blob.size }
    : { dataUrl: await asDataUrl(blob), type: blob.type, size: blob.size });

  try {
    const response = await fetch(src, { credentials: 'include' });
    if (response.ok) return await handOver(await response.blob());
  } catch {
    // Refused by CORS, or a blob: URL the page has revoked: the pixels on the page may still be there.
  }

  const image = [...document.images].find((img) => img.currentSrc === src || img.src === src);
  if (!image || !image.complete || !image.naturalWidth) return { error: 'unreadable' };
  const canvas = document.createElement('canvas');
  canvas.width = image.naturalWidth;
  canvas.height = image.naturalHeight;
  canvas.getContext('2d').drawImage(image, 0, 0);
  try {
    const blob = await new Promise((resolve, reject) => {
      canvas.toBlob((png) => (png ? resolve(png) : reject(new Error('empty'))), 'image/png');
    });
    return await handOver(blob);
  } catch {
    return { error: 'unreadable' };
  }
}
