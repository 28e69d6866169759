// The complaint form's CAPTCHA: "换一张" fetches a new challenge of the same kind and "改用文字题" /
// "改用图片验证码" switches kind, without reloading the page (what the citizen typed, and the files
// chosen, stay). Without JavaScript the same links reload the form with a new challenge.
document.addEventListener("click", function (event) {
  var link = event.target.closest("#captcha [data-captcha-refresh], #captcha [data-captcha-kind]");
  if (!link) return;
  event.preventDefault();
  var box = document.getElementById("captcha");
  var question = document.getElementById("captcha-question");
  var kind = link.getAttribute("data-captcha-kind") || (question.hidden ? "image" : "text");
  fetch(box.getAttribute("data-captcha-url") + "?kind=" + kind, {headers: {"Accept": "application/json"}})
    .then(function (response) { return response.json(); })
    .then(function (c) {
      var image = document.getElementById("captcha-image");
      var answer = document.getElementById("id_captcha_answer");
      box.querySelector("input[name=captcha_id]").value = c.captcha_id;
      question.textContent = c.question || "";
      question.hidden = !c.question;
      if (c.image_url) image.src = c.image_url;
      image.hidden = !c.image_url;
      document.getElementById("captcha-text").hidden = kind === "text";
      document.getElementById("captcha-image-link").hidden = kind === "image";
      document.getElementById("captcha-refresh").setAttribute("href", "?captcha=" + kind);
      answer.value = "";
      answer.focus();
    });
});
