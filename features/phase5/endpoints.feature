@endpoints
Feature: Public endpoints
  The API (upload-api-staging, a Render web service) is called by browsers on the web frontend's origin.
  Read from the outside, as a browser would, at the URL Render reports for it: GET, HEAD and OPTIONS only,
  no credentials, each answer bounded in time and kept only as a redacted sample. An address this runner
  cannot reach (DNS, no route, refused) breaks these criteria; it never fails or passes them.

  @P5-09 @blocker @staging
  Scenario: The API answers its health check
    Render's health check path, asked from the outside at the API's own URL, answers 200.
    Fix: open the API's logs on Render (Logs, filtered to /healthz) and fix what makes the health check fail; the
    health check must answer 200 without a database round trip that can time out.
    Then the "api" service answers GET "/healthz" with 200

  @P5-10 @critical @staging
  Scenario: The API's certificate is valid and names it
    Fix: on Render, Settings → Custom Domains: let Render renew the certificate (a custom domain's DNS must
    still point at Render for the renewal to pass), or issue one that names the host.
    Then the certificate of "api-staging-x1c3.onrender.com" is valid for at least 14 days and names it

  @P5-11 @staging
  Scenario: The API allows the web frontend's origin
    Fix: add https://staging.uploads.example.com to the API's allowed CORS origins (e.g. CORS_ALLOWED_ORIGINS on
    the API) and deploy again.
    Then the "api" service allows the origin "https://staging.uploads.example.com"

  @P5-12 @security @staging
  Scenario: The API refuses any other origin
    Fix: list the allowed CORS origins explicitly on the API (never *, never a reflection of any Origin) and
    deploy again.
    Then the "api" service refuses the origin "https://example.org"
