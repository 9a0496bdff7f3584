const loopbackNames = new Set(['localhost', '127.0.0.1', '[::1]', '::1']);

/**
 * When Traveler's public address (BASE_URL, used in emails and kiosk QR codes) is this machine's
 * loopback name but people reach it by another name, those links work for nobody else: a warning
 * for the admin to set BASE_URL, or undefined when all is well.
 */
export function unreachableLinksWarning(baseUrl: string, requestHostname: string): string | undefined {
  const publicName = new URL(baseUrl).hostname;
  if (!loopbackNames.has(publicName) || loopbackNames.has(requestHostname)) return undefined;
  return `Links in emails and the kiosk QR code point at ${baseUrl}, which other devices cannot open. Set BASE_URL to the address people use (for example http://${requestHostname}:${new URL(baseUrl).port || '80'}) and restart Traveler.`;
}
