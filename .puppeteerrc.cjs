// Never download a browser on npm install/ci: whatsapp-web.js drives Debian's Chromium (CHROMIUM_PATH).
module.exports = { skipDownload: true };
