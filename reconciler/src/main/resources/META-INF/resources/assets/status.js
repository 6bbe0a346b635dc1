// Celadon status page: keeps the server-rendered page current without reloading it.
// Every few seconds it fetches "/" again, parses it with DOMParser (inert: nothing in it runs) and swaps
// the <main> in place, so the page neither flickers nor loses its scroll position. The server escapes
// every value (HtmlWriter); this script never builds markup from data, and writes its own notice with
// textContent. It only ever GETs: the API is read-only.
'use strict';

(() => {
  const main = () => document.getElementById('status');
  const period = Number(main()?.dataset.refreshMillis) || 2000;
  let unreachableSince = null;

  function showUnreachable(reason) {
    unreachableSince ??= new Date();
    const notice = document.getElementById('connection');
    notice.textContent = 'Reconciler unreachable since ' + unreachableSince.toISOString()
        + ' (' + reason + '); showing the last status received, retrying every ' + period / 1000 + ' s.';
    notice.hidden = false;
  }

  function showReachable() {
    unreachableSince = null;
    document.getElementById('connection').hidden = true;
  }

  async function refresh() {
    try {
      const response = await fetch('/', {cache: 'no-store', headers: {Accept: 'text/html'}});
      if (!response.ok) {
        throw new Error('HTTP ' + response.status);
      }
      const fresh = new DOMParser().parseFromString(await response.text(), 'text/html');
      const freshMain = fresh.getElementById('status');
      if (!freshMain) {
        throw new Error('unexpected page');
      }
      main().replaceWith(document.adoptNode(freshMain));
      document.title = fresh.title;
      showReachable();
    } catch (error) {
      showUnreachable(error.message);
    } finally {
      setTimeout(refresh, period);
    }
  }

  setTimeout(refresh, period);
})();
