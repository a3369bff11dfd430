// The /auth/docs page: Swagger UI over this service's own /auth/openapi.json.
// No validator badge (it would load an image from another host).
window.addEventListener("load", function () {
	window.ui = SwaggerUIBundle({
		url: new URL("openapi.json", document.baseURI).href,
		dom_id: "#swagger-ui",
		validatorUrl: null,
		deepLinking: true,
		presets: [SwaggerUIBundle.presets.apis],
		layout: "BaseLayout"
	});
});
