// Agency pickers: as the officer types part of a name or code into a field marked
// data-agency-search, fill a <datalist> with matching units. Without JavaScript the
// field still takes a code typed by hand (the search page lists codes).
(function () {
  "use strict";
  var script = document.currentScript;
  var url = script && script.getAttribute("data-search-url");
  var list = document.getElementById("agency-choices");
  if (!url || !list) { return; }
  var timer = null;

  function lastWord(value) {
    var words = value.split(/[\s,]+/);
    return words[words.length - 1] || "";
  }

  function fill(field) {
    var text = lastWord(field.value);
    if (text.length < 2) { return; }
    fetch(url + "?q=" + encodeURIComponent(text), { credentials: "same-origin" })
      .then(function (response) { return response.ok ? response.json() : []; })
      .then(function (units) {
        list.textContent = "";
        units.forEach(function (unit) {
          var option = document.createElement("option");
          option.value = unit.code;
          option.label = unit.name;
          list.appendChild(option);
        });
      })
      .catch(function () { /* offline: typing a code still works */ });
  }

  document.querySelectorAll("input[data-agency-search]").forEach(function (field) {
    field.setAttribute("list", "agency-choices");
    field.addEventListener("input", function () {
      window.clearTimeout(timer);
      timer = window.setTimeout(function () { fill(field); }, 250);
    });
  });
}());
