// Load the MathJax 3 copy vendored next to this file (make vendor-mathjax), so the book
// renders math without network; fall back to the CDN when the copy is missing.
(function () {
  var here = document.currentScript ? document.currentScript.src : window.location.href;
  var local = new URL("mathjax/es5/tex-mml-chtml.js", here).href;
  var cdn = "https://cdn.jsdelivr.net/npm/mathjax@3/es5/tex-mml-chtml.js";
  function load(src, onerror) {
    var s = document.createElement("script");
    s.src = src;
    s.async = true;
    s.id = "MathJax-script";
    if (onerror) { s.onerror = onerror; }
    document.head.appendChild(s);
  }
  load(local, function () { load(cdn); });
})();
