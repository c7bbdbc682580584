// Keys typed before the till's code has loaded (a scanner's burst as the page
// opens) are kept here with their own time stamps, and handed to the
// scanner's listener when it starts (src/wedge.ts), so none is lost. A
// classic script in <head>: it runs before the page is parsed further.
window.__earlyKeys = { from: performance.now(), keys: [] };
window.addEventListener(
  'keydown',
  function (e) {
    var early = window.__earlyKeys;
    if (!early.keys) return;
    early.keys.push({
      key: e.key,
      timeStamp: e.timeStamp,
      repeat: e.repeat,
      ctrlKey: e.ctrlKey,
      altKey: e.altKey,
      metaKey: e.metaKey,
      isComposing: e.isComposing,
    });
  },
  true,
);
