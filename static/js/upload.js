// Evidence uploads: one request per file, each with its progress bar, cancel and retry buttons.
// Enhances form[data-upload] (templates/evidence/_upload_form.html), which works without it.
// Events bubbling from the form, for the page around it:
// - "evidence:uploaded" after each stored file (e.g. hx-trigger="evidence:uploaded from:body");
// - "evidence:uploads-settled" (cancelable) once the queue is empty and something was stored;
//   unless a listener cancels it, a link to reload the page is offered to show the new files.
(function () {
  "use strict";
  if (window.probatioUpload || !window.FormData || !window.XMLHttpRequest || !window.DOMParser) return;
  window.probatioUpload = true;

  const PARALLEL_UPLOADS = 2;
  const queues = new WeakMap();

  function uploadForm(element) {
    return element && element.closest ? element.closest("form[data-upload]") : null;
  }

  function humanSizeOf(form) {
    return form.dataset.maxSize || "";
  }

  function button(label, action, extraClass) {
    const element = document.createElement("button");
    element.type = "button";
    element.className = "secondary " + (extraClass || "");
    element.dataset.action = action;
    element.textContent = label;
    return element;
  }

  function createItem(form, file) {
    const item = document.createElement("li");
    item.className = "upload-item";
    const name = document.createElement("span");
    name.className = "upload-name";
    name.textContent = file.name;
    const progress = document.createElement("progress");
    progress.max = 100;
    progress.value = 0;
    progress.setAttribute("aria-label", "Envoi de " + file.name);
    const status = document.createElement("span");
    status.className = "upload-status";
    status.setAttribute("role", "status");
    const cancel = button("Annuler", "cancel");
    cancel.setAttribute("aria-label", "Annuler l'envoi de " + file.name);
    const retry = button("Réessayer", "retry");
    retry.setAttribute("aria-label", "Réessayer l'envoi de " + file.name);
    retry.hidden = true;
    item.append(name, progress, cancel, retry, status);
    form.querySelector("[data-upload-queue]").append(item);
    return { form: form, file: file, element: item, progress: progress, status: status, cancel: cancel, retry: retry, xhr: null, state: "waiting" };
  }

  function setState(upload, state, message) {
    upload.state = state;
    upload.element.classList.toggle("is-done", state === "done");
    upload.element.classList.toggle("is-failed", state === "failed" || state === "cancelled");
    upload.cancel.hidden = !(state === "waiting" || state === "sending");
    upload.retry.hidden = !(state === "failed" || state === "cancelled");
    if (message !== undefined) upload.status.textContent = message;
    if (state === "waiting") upload.progress.value = 0;
    if (state === "done") upload.progress.value = 100;
  }

  function queueOf(form) {
    let queue = queues.get(form);
    if (!queue) {
      queue = { waiting: [], running: 0, stored: 0 };
      queues.set(form, queue);
    }
    return queue;
  }

  function enqueue(form, files) {
    const single = form.querySelector("input[name=file_id]") !== null;
    let list = Array.from(files);
    if (single && list.length > 1) {
      list = list.slice(0, 1);
    }
    const maxBytes = Number(form.dataset.maxBytes || 0);
    list.forEach((file) => {
      const upload = createItem(form, file);
      upload.element.uploadState = upload;
      if (maxBytes && file.size > maxBytes) {
        // The server would refuse it too; spare the transfer.
        setState(upload, "refused", "« " + file.name + " » : fichier trop volumineux : la limite est de " + humanSizeOf(form) + " par fichier.");
        upload.element.classList.add("is-failed");
        return;
      }
      schedule(upload);
    });
  }

  function schedule(upload) {
    const queue = queueOf(upload.form);
    setState(upload, "waiting", "En attente…");
    queue.waiting.push(upload);
    pump(upload.form);
  }

  function pump(form) {
    const queue = queueOf(form);
    while (queue.running < PARALLEL_UPLOADS && queue.waiting.length) {
      const upload = queue.waiting.shift();
      if (upload.state !== "waiting") continue;
      queue.running += 1;
      send(upload, () => {
        queue.running -= 1;
        pump(form);
      });
    }
    if (queue.running === 0 && queue.waiting.length === 0 && queue.stored > 0) {
      queue.stored = 0;
      const settled = new CustomEvent("evidence:uploads-settled", { bubbles: true, cancelable: true, detail: { evidenceId: form.dataset.evidenceId } });
      if (form.dispatchEvent(settled) && !form.querySelector(".upload-refresh")) {
        const item = document.createElement("li");
        item.className = "upload-refresh";
        const link = document.createElement("a");
        link.href = window.location.pathname + window.location.search;
        link.textContent = "Afficher les fichiers déposés";
        item.append(link);
        form.querySelector("[data-upload-queue]").append(item);
      }
    }
  }

  function serverMessage(xhr) {
    const type = xhr.getResponseHeader("Content-Type") || "";
    if (!type.startsWith("text/html") || !xhr.responseText) return null;
    const page = new DOMParser().parseFromString(xhr.responseText, "text/html");
    const results = page.querySelectorAll(".upload-result .upload-message, .error-message p");
    const texts = Array.from(results, (node) => node.textContent.trim()).filter(Boolean);
    return texts.length ? texts.join(" ") : null;
  }

  function outcomeOf(xhr) {
    const page = new DOMParser().parseFromString(xhr.responseText || "", "text/html");
    const result = page.querySelector(".upload-result");
    return result ? result.dataset.outcome : null;
  }

  function send(upload, done) {
    const form = upload.form;
    const data = new FormData();
    const token = form.querySelector("input[name=csrf_token]").value;
    data.append("csrf_token", token);
    const fileId = form.querySelector("input[name=file_id]");
    if (fileId) data.append("file_id", fileId.value);
    // A new version of another kind is recorded once confirmed (the server answered 409 first).
    const confirmBox = form.querySelector("input[name=confirm_kind]");
    if (upload.confirmKind || (confirmBox && confirmBox.checked)) data.append("confirm_kind", "1");
    data.append("files", upload.file, upload.file.name);

    const xhr = new XMLHttpRequest();
    upload.xhr = xhr;
    xhr.open("POST", form.action);
    xhr.setRequestHeader("HX-Request", "true");
    xhr.setRequestHeader("X-CSRFToken", token);
    xhr.upload.addEventListener("progress", (event) => {
      if (event.lengthComputable) {
        upload.progress.value = Math.min(99, Math.round((event.loaded / event.total) * 100));
        upload.status.textContent = "Envoi : " + upload.progress.value + " %";
      }
    });
    xhr.upload.addEventListener("load", () => {
      upload.status.textContent = "Vérification et enregistrement…";
    });
    xhr.addEventListener("load", () => {
      upload.xhr = null;
      const message = serverMessage(xhr);
      if (xhr.status === 401) {
        setState(upload, "failed", "Votre session a expiré : reconnectez-vous, puis réessayez.");
      } else if (xhr.status === 403) {
        setState(upload, "failed", "Envoi refusé : vous n'avez pas l'autorisation de modifier cette preuve.");
      } else if (xhr.status >= 200 && xhr.status < 300) {
        setState(upload, "done", message || "« " + upload.file.name + " » enregistré.");
        if (outcomeOf(xhr) === "stored") {
          queueOf(form).stored += 1;
          form.dispatchEvent(new CustomEvent("evidence:uploaded", { bubbles: true, detail: { evidenceId: form.dataset.evidenceId } }));
        }
      } else if (xhr.status === 409) {
        // Another kind than the current version: "Réessayer" now sends it with the confirmation.
        upload.confirmKind = true;
        upload.retry.textContent = "Confirmer";
        upload.retry.setAttribute("aria-label", "Confirmer la nouvelle version " + upload.file.name);
        setState(upload, "failed", (message || "Ce fichier n'est pas du même type que la version actuelle.") +
          " Choisissez « Confirmer » pour l'enregistrer quand même.");
      } else if (xhr.status === 413 || xhr.status === 422) {
        // The file itself is refused: retrying the same file would not help, but stays possible.
        setState(upload, "failed", message || "« " + upload.file.name + " » a été refusé.");
      } else {
        setState(upload, "failed", message || "L'envoi de « " + upload.file.name + " » a échoué (erreur " + xhr.status + "). Réessayez.");
      }
      done();
    });
    xhr.addEventListener("error", () => {
      upload.xhr = null;
      setState(upload, "failed", "Connexion interrompue pendant l'envoi de « " + upload.file.name + " ». Réessayez.");
      done();
    });
    xhr.addEventListener("abort", () => {
      upload.xhr = null;
      setState(upload, "cancelled", "Envoi annulé.");
      done();
    });
    setState(upload, "sending", "Envoi : 0 %");
    xhr.send(data);
  }

  document.addEventListener("click", (event) => {
    const target = event.target.closest ? event.target.closest("button[data-action]") : null;
    const item = target ? target.closest(".upload-item") : null;
    if (!item || !item.uploadState) return;
    const upload = item.uploadState;
    if (target.dataset.action === "cancel") {
      if (upload.xhr) {
        upload.xhr.abort();
      } else if (upload.state === "waiting") {
        setState(upload, "cancelled", "Envoi annulé.");
      }
    } else if (target.dataset.action === "retry" && (upload.state === "failed" || upload.state === "cancelled")) {
      schedule(upload);
    }
  });

  function takeInputFiles(form) {
    const input = form.querySelector("input[type=file]");
    if (!input || !input.files || !input.files.length) return;
    enqueue(form, input.files);
    input.value = "";
  }

  document.addEventListener("change", (event) => {
    const form = uploadForm(event.target);
    if (form && event.target.type === "file") takeInputFiles(form);
  });

  document.addEventListener("submit", (event) => {
    const form = uploadForm(event.target);
    if (!form) return;
    event.preventDefault();
    takeInputFiles(form);
  });

  function dropZone(event) {
    const zone = event.target.closest ? event.target.closest("[data-upload-drop]") : null;
    return zone && uploadForm(zone) ? zone : null;
  }

  ["dragenter", "dragover"].forEach((type) => {
    document.addEventListener(type, (event) => {
      const zone = dropZone(event);
      if (!zone) return;
      event.preventDefault();
      zone.classList.add("is-dragover");
    });
  });

  document.addEventListener("dragleave", (event) => {
    const zone = dropZone(event);
    if (zone && !zone.contains(event.relatedTarget)) zone.classList.remove("is-dragover");
  });

  document.addEventListener("drop", (event) => {
    const zone = dropZone(event);
    if (!zone) return;
    event.preventDefault();
    zone.classList.remove("is-dragover");
    if (event.dataTransfer && event.dataTransfer.files.length) enqueue(uploadForm(zone), event.dataTransfer.files);
  });
})();
