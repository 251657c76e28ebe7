// Upload progress for a long import (a form marked data-upload-progress): the file is sent
// with XMLHttpRequest so that a <progress> bar follows the bytes sent; once they are all
// sent, the bar turns indeterminate and the status says the server is checking or
// importing. The page the server answers with then replaces this one, as a normal
// submission would. Without JavaScript (or XMLHttpRequest) the form submits as usual.
(function () {
  "use strict";

  function percent(loaded, total) {
    return Math.round((100 * loaded) / total) + " %";
  }

  function show(bar, status, text, busy) {
    bar.hidden = !busy;
    status.textContent = text;
  }

  function replacePage(request) {
    var page = new DOMParser().parseFromString(request.responseText, "text/html");
    document.title = page.title;
    document.body.replaceWith(page.body);
    if (request.responseURL) {
      window.history.replaceState(null, "", request.responseURL);
    }
    window.scrollTo(0, 0);
  }

  function send(form, submitter) {
    var bar = form.querySelector("progress");
    var status = form.querySelector("[data-upload-status]");
    var buttons = form.querySelectorAll("button");
    var data = new FormData(form);
    var working = submitter && submitter.value === "import" ? "data-importing" : "data-checking";
    if (submitter && submitter.name) {
      data.append(submitter.name, submitter.value);
    }
    var request = new XMLHttpRequest();
    // getAttribute: form.action would be the buttons named "action"
    request.open("POST", form.getAttribute("action"));
    request.upload.addEventListener("progress", function (event) {
      if (!event.lengthComputable) { return; }
      bar.max = event.total;
      bar.value = event.loaded;
      show(bar, status, form.getAttribute("data-uploading") + " " +
        percent(event.loaded, event.total), true);
    });
    request.upload.addEventListener("load", function () {
      bar.removeAttribute("value"); // indeterminate: the server is at work
      show(bar, status, form.getAttribute(working), true);
    });
    request.addEventListener("load", function () { replacePage(request); });
    request.addEventListener("error", function () {
      buttons.forEach(function (button) { button.disabled = false; });
      show(bar, status, form.getAttribute("data-failed"), false);
    });
    buttons.forEach(function (button) { button.disabled = true; });
    bar.removeAttribute("value");
    show(bar, status, form.getAttribute("data-uploading"), true);
    request.send(data);
  }

  if (!window.FormData || !window.DOMParser) { return; }
  // On the document, so that the form of the page the server answers with is enhanced too.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.hasAttribute || !form.hasAttribute("data-upload-progress")) { return; }
    event.preventDefault();
    send(form, event.submitter);
  });
}());
