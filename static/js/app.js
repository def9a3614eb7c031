// Small progressive enhancements; every page works without this file.
document.addEventListener("htmx:responseError", (event) => {
  const target = document.getElementById("messages");
  if (!target) return;
  const message = document.createElement("p");
  message.className = "flash flash-error";
  message.setAttribute("role", "alert");
  message.textContent = event.detail.xhr.status === 403
    ? "Action refusée : vous n'avez pas l'autorisation."
    : "L'action n'a pas abouti (erreur " + event.detail.xhr.status + "). Réessayez.";
  target.replaceChildren(message);
});
