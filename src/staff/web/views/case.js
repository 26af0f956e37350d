// Keeps a case's conversation current while the page is open: fetches it every few seconds and
// replaces it only when it changed, so a reply being typed below is never disturbed.
(() => {
  const box = document.getElementById("conversation");
  if (!box) return;
  const source = box.dataset.src;
  let last = box.innerHTML;
  const refresh = async () => {
    try {
      const response = await fetch(source, { credentials: "same-origin", headers: { accept: "text/html" } });
      if (!response.ok) return;
      const fresh = await response.text();
      if (fresh !== last) {
        box.innerHTML = fresh;
        last = fresh;
      }
    } catch {
      // Offline for a moment: the next tick tries again.
    }
  };
  setInterval(refresh, 5000);
})();
