// Type-to-search for long lists in the report filter (desks and officials of a province).
// A <select data-picker> gets a search box above it: typing part of a name (with or
// without Vietnamese accents) leaves only the matching options and agencies in the list,
// and picks the option when one alone matches. Without JavaScript the select works as is.
(function () {
  "use strict";
  var script = document.currentScript;
  var placeholder = (script && script.getAttribute("data-placeholder")) || "";

  function plain(text) {
    return text.normalize("NFD").replace(/[\u0300-\u036f]/g, "")
      .replace(/đ/g, "d").replace(/Đ/g, "D").toLowerCase();
  }

  function enhance(select) {
    var box = document.createElement("input");
    box.type = "search";
    box.className = "picker-search";
    box.id = select.id + "-search";
    box.placeholder = placeholder;
    box.setAttribute("aria-label", placeholder);
    box.setAttribute("aria-controls", select.id);
    box.setAttribute("autocomplete", "off");
    select.parentNode.insertBefore(box, select);
    box.addEventListener("input", function () {
      var words = plain(box.value).split(/\s+/).filter(Boolean);
      var matches = [];
      Array.prototype.forEach.call(select.options, function (option) {
        var label = plain(option.textContent);
        var shown = option.value === "" || words.every(function (word) {
          return label.indexOf(word) !== -1;
        });
        option.hidden = !shown;
        if (shown && option.value !== "") { matches.push(option); }
      });
      Array.prototype.forEach.call(select.querySelectorAll("optgroup"), function (group) {
        group.hidden = !Array.prototype.some.call(group.children, function (option) {
          return !option.hidden;
        });
      });
      if (words.length && matches.length === 1) { select.value = matches[0].value; }
    });
  }

  document.querySelectorAll("select[data-picker]").forEach(enhance);
})();
