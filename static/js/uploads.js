// Shows upload progress while htmx sends a file (the page works without this: the form posts the file itself).
document.addEventListener("htmx:xhr:progress", function (event) {
  var progress = document.getElementById(event.detail.elt.getAttribute("data-upload-progress") || "");
  if (!progress || !event.detail.lengthComputable) return;
  progress.hidden = false;
  progress.value = Math.round((event.detail.loaded / event.detail.total) * 100);
});
document.addEventListener("htmx:afterRequest", function (event) {
  var id = event.detail.elt.getAttribute && event.detail.elt.getAttribute("data-upload-progress");
  var progress = id && document.getElementById(id);
  if (progress) progress.hidden = true;
});
