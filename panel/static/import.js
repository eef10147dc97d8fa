// «Загрузка данных»: a large file takes a while to check; say so and keep it from being sent twice.
document.addEventListener("DOMContentLoaded", () => {
  const form = document.querySelector("form.import-upload");
  if (!form) return;
  form.addEventListener("submit", () => {
    form.querySelector("button[type=submit]").disabled = true;
    form.querySelector(".import-progress").hidden = false;
  });
});
