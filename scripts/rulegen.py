#!/usr/bin/env python3
"""Writes the provider rule files (rules/<family>.yml) from the tables below, with fake
examples drawn at random from each format. None of the examples is a live credential.

    python3 scripts/rulegen.py            # rewrite the generated rule files
    python3 scripts/rulegen.py --check    # exit 1 if they are out of date

The formats are facts (prefix, length, alphabet, the provider's name beside the value),
learned from the providers' documentation and from the public rule files of gitleaks,
Kingfisher and Nosey Parker; the patterns, examples and negative examples are written here.
Edit the tables, never the generated files.
"""
import json, random, sys, os

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from regex_sample import sample  # noqa: E402

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")

# ---- the tables ----
# P(...): a prefixed or structured format, the prefix or structure alone names the provider.
# K(...): a provider whose key has no prefix: its name must stand in the setting's name right
# before the value (`MAILGUN_API_KEY = "..."`, `postmark token: ...`), on the same line.

UUID = "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
UUID_CI = "[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
B = "(?:^|[^A-Za-z0-9+/_\\-])"       # left edge of a token (not inside a base64 run)
E = "(?:[^A-Za-z0-9_\\-]|$)"         # right edge of a token
EB64 = "(?:[^A-Za-z0-9+/=_\\-]|$)"   # right edge of a base64 token

REMEDIATION = (
    "Revoke or roll the key in the provider's dashboard now; git history keeps the leaked value\n"
    "usable until you do. Load the replacement at run time from a secret store (Azure Key Vault\n"
    "with a managed identity, or the CI system's encrypted secrets), never from source.\n")
KEY_REMEDIATION = (
    "Treat the key as compromised: generate a new key pair, replace the public half wherever it is\n"
    "trusted and delete the old one. Keep private keys out of repositories: load them at run time\n"
    "from Azure Key Vault (with a managed identity) or the CI system's secure files.\n")

FAMILIES = {
    "payments": "Payment, banking and shipping providers",
    "hosting": "Cloud, hosting and infrastructure providers",
    "observability": "Monitoring, logging and incident services",
    "messaging": "Chat, e-mail, SMS and webhook services",
    "dev-services": "CI, package, secrets-management, collaboration and identity services",
    "ai": "AI model providers",
    "data-platforms": "Hosted databases, search and data platforms",
    "commerce": "Commerce platforms",
    "key-formats": "Key file formats and encoded keys",
    "api-services": "API services whose keys are known by the provider's name beside them",
}

RULES = []

def P(family, id, name, severity, keywords, secret, tags, left=B, right=E, entropy=None,
      validator=None, gen=None, multiline=False, prefix_text="", confidence="high", context=None,
      pattern=None):
    # A prefix of letters and digits alone also occurs inside base64 blobs (`EAAA`, `AQE`):
    # such a token must end where base64 would.
    if right == E and all(k.isalnum() for k in keywords):
        right = EB64
    # A placeholder body (`dt0s01.AAAA...BBBB...`) is not a key.
    if entropy is None and validator is None and gen not in ("putty", "k8s", "b64pem"):
        entropy = 3.0
    RULES.append(dict(kind="prefixed", family=family, id=id, name=name, severity=severity,
                      keywords=keywords, secret=secret, tags=tags, left=left, right=right,
                      entropy=entropy, validator=validator, gen=gen or secret,
                      multiline=multiline, prefix_text=prefix_text, confidence=confidence,
                      context=context, pattern=pattern))

def K(family, id, name, names, value, tags, severity="high", entropy=None, gen=None, bare=False):
    """`bare`: the provider's name is distinctive enough that it may stand right before the
    value with only a separator (`chartmogul: <key>`); otherwise a word such as key, token or
    secret must follow it (`rawg_api_key = <key>`)."""
    RULES.append(dict(kind="named", family=family, id=id, name=name, severity=severity,
                      names=names, value=value, tags=tags, entropy=entropy, gen=gen or value,
                      confidence="medium", bare=bare))

# payments
P("payments", "stripe-webhook-secret", "Stripe webhook signing secret", "high", ["whsec_"], "whsec_[A-Za-z0-9]{32,64}", ["stripe"])
# `sq0atp-` may start a line; `EAAA` may not, as lines of a base64 block start with anything.
P("payments", "square-access-token", "Square access token", "critical", ["sq0atp-", "eaaa"], "sq0atp-[A-Za-z0-9_\\-]{22}|EAAA[A-Za-z0-9_\\-+=]{60}", ["square"], gen="sq0atp-[A-Za-z0-9]{22}|EAAA[A-Za-z0-9]{60}", left="[^A-Za-z0-9+/_\\-\\r\\n]",
  pattern="(?:" + B + "(?P<secret>sq0atp-[A-Za-z0-9_\\-]{22})|[^A-Za-z0-9+/_\\-\\r\\n](?P<secret2>EAAA[A-Za-z0-9_\\-+=]{60}))" + EB64)
P("payments", "square-oauth-secret", "Square OAuth application secret", "critical", ["sq0csp-"], "sq0csp-[A-Za-z0-9_\\-]{43}", ["square"], gen="sq0csp-[A-Za-z0-9]{43}")
P("payments", "braintree-access-token", "Braintree (PayPal) access token", "critical", ["access_token$"], "access_token\\$(?:production|sandbox)\\$[0-9a-z]{16}\\$[0-9a-f]{32}", ["braintree", "paypal"])
P("payments", "adyen-api-key", "Adyen API key", "critical", ["aqe"], "AQE[a-z]{3}[A-Za-z0-9]{6,14}\\.[A-Za-z0-9+/_\\-]{60,200}={0,2}", ["adyen"], right="(?:[^A-Za-z0-9+/=_\\-.]|$)", entropy=4.0, gen="AQE[a-z]{3}[A-Za-z0-9]{10}\\.[A-Za-z0-9]{80,90}")
P("payments", "flutterwave-key", "Flutterwave secret, public or encryption key", "critical", ["flwseck", "flwpubk"], "FLW(?:SECK|PUBK)(?:_TEST)?-[0-9a-f]{32}-X|FLWSECK(?:_TEST)?-?[0-9a-f]{12}", ["flutterwave"])
P("payments", "paystack-secret-key", "Paystack secret key", "critical", ["sk_live_", "sk_test_"], "sk_(?:live|test)_[0-9a-f]{40}", ["paystack"])
P("payments", "pagarme-api-key", "Pagar.me API key", "critical", ["ak_live_"], "ak_live_[A-Za-z0-9]{30}", ["pagarme"])
P("payments", "duffel-api-token", "Duffel API token", "high", ["duffel_live_", "duffel_test_"], "duffel_(?:live|test)_[A-Za-z0-9_\\-=]{43}", ["duffel"], gen="duffel_(?:live|test)_[A-Za-z0-9]{43}")
P("payments", "easypost-api-key", "EasyPost API key", "high", ["ezak", "eztk"], "EZ[AT]K[A-Za-z0-9]{54}", ["easypost"])
P("payments", "shippo-api-token", "Shippo API token", "high", ["shippo_live_", "shippo_test_"], "shippo_(?:live|test)_[0-9a-fA-F]{40}", ["shippo"], gen="shippo_(?:live|test)_[0-9a-f]{40}")
P("payments", "plaid-access-token", "Plaid access token", "critical", ["access-production-", "access-development-", "access-sandbox-"], "access-(?:production|development|sandbox)-" + UUID, ["plaid"])
P("payments", "fleetbase-api-key", "Fleetbase live API key", "high", ["flb_live_"], "flb_live_[A-Za-z0-9]{20}", ["fleetbase"])
P("payments", "gocardless-access-token", "GoCardless live access token", "critical", ["live_"], "live_[A-Za-z0-9_\\-=]{40}", ["gocardless"], entropy=4.0, prefix_text="GOCARDLESS_ACCESS_TOKEN=", gen="live_[A-Za-z0-9]{40}", confidence="medium")
K("payments", "paypal-client-secret", "PayPal client secret", ["paypal"], "E[A-Za-z0-9_\\-]{79}", ["paypal"], severity="critical")
K("payments", "razorpay-key-secret", "Razorpay key secret", ["razorpay"], "[A-Za-z0-9]{24}", ["razorpay"], severity="critical", entropy=3.8)
K("payments", "coinbase-api-secret", "Coinbase API secret", ["coinbase"], "[A-Za-z0-9]{32}", ["coinbase"], severity="critical", entropy=3.8)
K("payments", "plaid-secret", "Plaid client secret", ["plaid"], "[a-f0-9]{30}", ["plaid"], severity="critical")
K("payments", "kucoin-api-secret", "KuCoin API key or secret", ["kucoin"], UUID + "|[a-f0-9]{24}", ["kucoin"], severity="critical", entropy=3.2)
K("payments", "finicity-secret", "Finicity app key or secret", ["finicity"], "[a-f0-9]{32}|[A-Za-z0-9]{20}", ["finicity"], entropy=3.5)
K("payments", "lob-api-key", "Lob API key", ["lob"], "(?:live|test)_[a-f0-9]{35}", ["lob"])

# hosting
P("hosting", "digitalocean-token", "DigitalOcean personal access, OAuth or refresh token", "critical", ["dop_v1_", "doo_v1_", "dor_v1_"], "do[opr]_v1_[a-f0-9]{64}", ["digitalocean"])
P("hosting", "alibaba-access-key-id", "Alibaba Cloud AccessKey id", "medium", ["ltai"], "LTAI[A-Za-z0-9]{17,21}", ["alibaba"], entropy=3.5, confidence="medium")
P("hosting", "heroku-api-key", "Heroku API key (HRKU)", "critical", ["hrku-"], "HRKU-AA[A-Za-z0-9_\\-]{58}", ["heroku"])
P("hosting", "scaleway-access-key", "Scaleway access key id", "medium", ["scw"], "SCW[A-Z0-9]{17}", ["scaleway"], entropy=3.2, confidence="medium")
P("hosting", "flyio-token", "Fly.io access token", "critical", ["fm1r_", "fm1a_", "fm2_", "fo1_"], "(?:fm1[ar]|fm2)_[A-Za-z0-9+/_\\-]{100,}={0,2}|fo1_[A-Za-z0-9_\\-]{43}", ["flyio"], right=EB64, gen="fm2_[A-Za-z0-9]{120}|fo1_[A-Za-z0-9]{43}")
P("hosting", "cloudflare-origin-ca-key", "Cloudflare Origin CA key", "critical", ["v1.0-"], "v1\\.0-[a-f0-9]{24}-[a-f0-9]{146}", ["cloudflare"])
P("hosting", "terraform-cloud-token", "Terraform Cloud / HCP Terraform API token", "critical", [".atlasv1."], "[A-Za-z0-9]{14}\\.atlasv1\\.[A-Za-z0-9_\\-=]{60,70}", ["terraform", "hashicorp"], gen="[A-Za-z0-9]{14}\\.atlasv1\\.[A-Za-z0-9]{67}")
P("hosting", "hashicorp-vault-token", "HashiCorp Vault service, batch or recovery token", "critical", ["hvs.", "hvb.", "hvr."], "hv[sbr]\\.[A-Za-z0-9_\\-]{90,250}", ["vault", "hashicorp"], gen="hvs\\.[A-Za-z0-9]{95}")
P("hosting", "pulumi-access-token", "Pulumi access token", "critical", ["pul-"], "pul-[a-f0-9]{40}", ["pulumi"])
P("hosting", "tailscale-key", "Tailscale auth, API or OAuth client key", "critical", ["tskey-"], "tskey-(?:auth|api|client|scim|webhook)-[A-Za-z0-9]{8,20}-[A-Za-z0-9]{20,64}", ["tailscale"])
P("hosting", "doppler-token", "Doppler token", "critical", ["dp.ct.", "dp.pt.", "dp.st.", "dp.sa.", "dp.scim.", "dp.audit."], "dp\\.(?:ct|pt|sa|scim|audit|st(?:\\.[a-z0-9\\-_]{2,35})?)\\.[A-Za-z0-9]{40,44}", ["doppler"], gen="dp\\.(?:ct|pt|sa|st)\\.[A-Za-z0-9]{43}")
P("hosting", "netlify-access-token", "Netlify personal access token", "critical", ["nfp_"], "nfp_[A-Za-z0-9]{36}", ["netlify"])
P("hosting", "vercel-token", "Vercel access token", "critical", ["vcp_", "vci_", "vca_", "vcr_", "vck_"], "vc[piark]_[A-Za-z0-9]{56}", ["vercel"])
K("hosting", "alibaba-access-key-secret", "Alibaba Cloud AccessKey secret", ["alibaba", "aliyun"], "[A-Za-z0-9]{30}", ["alibaba"], severity="critical", entropy=3.8)
K("hosting", "heroku-api-key-legacy", "Heroku API key (UUID)", ["heroku"], UUID, ["heroku"], severity="critical")
K("hosting", "vercel-token-legacy", "Vercel access token (legacy)", ["vercel", "zeit"], "[A-Za-z0-9]{24}", ["vercel"], severity="critical", entropy=3.8)
K("hosting", "netlify-access-token-legacy", "Netlify access token (legacy)", ["netlify"], "[A-Za-z0-9_\\-]{43,45}|[a-f0-9]{64}", ["netlify"], severity="critical", entropy=3.8)
K("hosting", "linode-token", "Linode / Akamai personal access token", ["linode"], "[a-f0-9]{64}", ["linode"], severity="critical")
K("hosting", "cloudflare-api-token", "Cloudflare API token or global key", ["cloudflare", "cf_api", "cf-api"], "[A-Za-z0-9_\\-]{40}|[a-f0-9]{37}", ["cloudflare"], severity="critical", entropy=3.8)
K("hosting", "scaleway-secret-key", "Scaleway secret key", ["scaleway", "scw_secret"], UUID, ["scaleway"], severity="critical")
K("hosting", "ibm-cloud-api-key", "IBM Cloud API key", ["ibm", "ibmcloud"], "[A-Za-z0-9_\\-]{42,44}", ["ibm"], severity="critical", entropy=4.0)
K("hosting", "oracle-cloud-auth-token", "Oracle Cloud (OCI) auth token", ["oci", "oracle"], "[A-Za-z0-9()<>\\[\\]{}+:;.#_\\-]{20}", ["oracle"], severity="high", entropy=3.7, gen="[A-Za-z0-9]{20}")
K("hosting", "hashicorp-vault-token-legacy", "HashiCorp Vault token (legacy s.)", ["vault"], "s\\.[A-Za-z0-9]{24}", ["vault", "hashicorp"], severity="critical")

# observability
P("observability", "newrelic-key", "New Relic user, browser, insights or admin key", "high", ["nrak-", "nrjs-", "nrii-", "nraa-"], "NRAK-[A-Z0-9]{27}|NRJS-[a-f0-9]{19}|NRII-[A-Za-z0-9_\\-]{32}|NRAA-[a-f0-9]{27}", ["newrelic"])
P("observability", "newrelic-license-key", "New Relic license (ingest) key", "high", ["nral"], "[a-z]{2}[0-9]{2}xx[a-f0-9]{30}NRAL|[a-f0-9]{36}NRAL", ["newrelic"])
P("observability", "grafana-cloud-token", "Grafana Cloud access policy token", "critical", ["glc_"], "glc_[A-Za-z0-9+/]{32,400}={0,2}", ["grafana"], right=EB64)
P("observability", "grafana-service-account-token", "Grafana service account token", "critical", ["glsa_"], "glsa_[A-Za-z0-9]{32}_[a-f0-9]{8}", ["grafana"], entropy=3.0, validator="grafana-crc32", gen="grafana")
P("observability", "grafana-api-key", "Grafana API key (legacy)", "high", ["eyjrijoi"], "eyJrIjoi[A-Za-z0-9]{60,100}={0,2}", ["grafana"], right=EB64)
P("observability", "sentry-token", "Sentry user or organization auth token", "critical", ["sntryu_", "sntrys_"], "sntryu_[a-f0-9]{64}|sntrys_eyJ[A-Za-z0-9+/_=\\-]{60,300}_[A-Za-z0-9+/]{43}", ["sentry"], right=EB64, gen="sntryu_[a-f0-9]{64}")
P("observability", "dynatrace-token", "Dynatrace API token", "critical", ["dt0c01.", "dt0s01.", "dt0a01."], "dt0[csa]01\\.[A-Z0-9]{24}\\.[A-Z0-9]{64}", ["dynatrace"])
P("observability", "honeycomb-ingest-key", "Honeycomb ingest key", "high", ["hcaik_", "hcxik_", "hcaic_", "hcxic_"], "hc[ax]i[kc]_[0-9a-z]{58}", ["honeycomb"])
K("observability", "datadog-api-key", "Datadog API or application key", ["datadog", "dd_api", "dd_app", "dd-api", "dd-app", "ddapi", "ddapp"], "[a-f0-9]{40}|[a-f0-9]{32}", ["datadog"], severity="high")
K("observability", "sentry-auth-token-legacy", "Sentry auth token (legacy)", ["sentry"], "[a-f0-9]{64}", ["sentry"])
K("observability", "honeycomb-api-key", "Honeycomb API key", ["honeycomb"], "[a-f0-9]{32}|[A-Za-z0-9]{22}", ["honeycomb"], entropy=3.5)
K("observability", "splunk-token", "Splunk HEC or authentication token", ["splunk"], UUID + "|[A-Za-z0-9]{22}", ["splunk"], entropy=3.5)
K("observability", "sumologic-access-key", "Sumo Logic access id or key", ["sumo", "sumologic"], "su[A-Za-z0-9]{12}|[A-Za-z0-9]{64}", ["sumologic"], entropy=3.5)
K("observability", "newrelic-key-legacy", "New Relic key (legacy)", ["newrelic", "new_relic", "nr_"], "[A-Za-z0-9_.]{4}-[A-Za-z0-9_.]{42}|[a-f0-9]{40}", ["newrelic"], entropy=3.5)
K("observability", "pagerduty-api-key", "PagerDuty API key", ["pagerduty", "pager_duty", "pd_api", "pd-api"], "u\\+[A-Za-z0-9_+\\-]{18}|[A-Za-z0-9_+\\-]{20}", ["pagerduty"], entropy=3.5)
K("observability", "logzio-token", "Logz.io token", ["logzio", "logz"], "[A-Za-z0-9]{32}|" + UUID, ["logzio"], entropy=3.5)
K("observability", "bugsnag-api-key", "Bugsnag API key", ["bugsnag"], "[a-f0-9]{32}|" + UUID, ["bugsnag"])
K("observability", "rollbar-access-token", "Rollbar access token", ["rollbar"], "[a-f0-9]{32}", ["rollbar"])

# messaging
P("messaging", "discord-bot-token", "Discord bot token", "critical", ["discord"], "[MNO][A-Za-z0-9_\\-]{23,25}\\.[A-Za-z0-9_\\-]{6}\\.[A-Za-z0-9_\\-]{27,38}", ["discord"], prefix_text="DISCORD_BOT_TOKEN=", gen="[MNO][A-Za-z0-9]{23}\\.[A-Za-z0-9]{6}\\.[A-Za-z0-9]{27}", confidence="medium")
P("messaging", "discord-webhook-url", "Discord webhook URL", "high", ["/api/webhooks/"], "https://(?:ptb\\.|canary\\.)?discord(?:app)?\\.com/api/webhooks/[0-9]{17,20}/[A-Za-z0-9_\\-]{60,68}", ["discord"], left="", gen="https://discord\\.com/api/webhooks/[0-9]{18}/[A-Za-z0-9]{68}")
P("messaging", "telegram-bot-token", "Telegram bot token", "critical", [":aa"], "[0-9]{8,10}:AA[A-Za-z0-9_\\-]{33}", ["telegram"])
P("messaging", "mailgun-api-key", "Mailgun private API key", "critical", ["key-"], "key-[a-f0-9]{32}", ["mailgun"], entropy=3.2)
P("messaging", "mailchimp-api-key", "Mailchimp API key", "high", ["-us"], "[a-f0-9]{32}-us[0-9]{1,2}", ["mailchimp"], right="(?:[^A-Za-z0-9_\\-]|$)")
P("messaging", "mandrill-api-key-prefixed", "Mandrill (Mailchimp Transactional) API key", "high", ["md-"], "md-[A-Za-z0-9_\\-]{22}", ["mandrill"], entropy=3.8, prefix_text="MANDRILL_API_KEY=", gen="md-[A-Za-z0-9]{22}", confidence="medium")
P("messaging", "sendinblue-api-key", "Brevo (Sendinblue) API or SMTP key", "high", ["xkeysib-", "xsmtpsib-"], "x(?:keysib|smtpsib)-[a-f0-9]{64}-[A-Za-z0-9]{16}", ["brevo", "sendinblue"])
P("messaging", "teams-webhook-url", "Microsoft Teams incoming webhook URL", "medium", ["webhook.office.com", "outlook.office.com/webhook"], "https://(?:[a-z0-9\\-]+\\.webhook\\.office\\.com/webhookb2|outlook\\.office(?:365)?\\.com/webhook)/" + UUID + "@" + UUID + "/IncomingWebhook/[a-f0-9]{32}/" + UUID + "(?:/[A-Za-z0-9_\\-]{40,60})?", ["teams", "microsoft"], left="")
P("messaging", "zapier-webhook-url", "Zapier webhook URL", "medium", ["hooks.zapier.com"], "https://(?:www\\.)?hooks\\.zapier\\.com/hooks/catch/[0-9]{4,12}/[A-Za-z0-9]{5,16}/?", ["zapier"], left="")
P("messaging", "sendbird-token", "Sendbird API token", "high", ["sendbird"], "[a-f0-9]{40}", ["sendbird"], prefix_text="SENDBIRD_API_TOKEN=", left="(?i:sendbird)[\\w.\\-]{0,24}?[\"'`]?[ \\t]*(?::=|[:=])[ \\t]*[\"'`]?", confidence="medium")
K("messaging", "mailgun-key-legacy", "Mailgun signing key or API key", ["mailgun"], "[a-f0-9]{32}-[a-f0-9]{8}-[a-f0-9]{8}|[a-z0-9\\-]{72}", ["mailgun"], severity="high", entropy=3.5)
K("messaging", "postmark-server-token", "Postmark server or account token", ["postmark"], UUID, ["postmark"])
K("messaging", "mandrill-api-key", "Mandrill API key", ["mandrill"], "[A-Za-z0-9_\\-]{22}", ["mandrill"], entropy=3.8)
K("messaging", "messagebird-api-key", "MessageBird (Bird) API key", ["messagebird", "message_bird", "message-bird"], "[A-Za-z0-9]{25}", ["messagebird"], entropy=3.8)
K("messaging", "vonage-api-secret", "Vonage (Nexmo) API secret", ["vonage", "nexmo"], "[A-Za-z0-9]{16}", ["vonage"], entropy=3.5)
K("messaging", "gitter-token", "Gitter access token", ["gitter"], "[a-f0-9]{40}", ["gitter"])
K("messaging", "pusher-secret", "Pusher app secret", ["pusher"], "[a-f0-9]{20}", ["pusher"], entropy=3.2)
K("messaging", "mailjet-secret", "Mailjet API secret", ["mailjet"], "[a-f0-9]{32}", ["mailjet"])
K("messaging", "sparkpost-api-key", "SparkPost API key", ["sparkpost"], "[a-f0-9]{40}", ["sparkpost"])
K("messaging", "intercom-access-token", "Intercom access token", ["intercom"], "dG9rOj[A-Za-z0-9_=\\-]{50,}", ["intercom"], gen="dG9rOj[A-Za-z0-9]{54}")
K("messaging", "line-channel-token", "LINE channel access token or secret", ["line_channel", "line-channel", "linechannel", "line_notify", "linenotify"], "[A-Za-z0-9+/]{171,172}=?|[a-f0-9]{32}|[A-Za-z0-9]{43}", ["line"], entropy=3.5, gen="[a-f0-9]{32}")
K("messaging", "telegram-bot-token-named", "Telegram bot token (named)", ["telegram", "tgram"], "[0-9]{8,10}:[A-Za-z0-9_\\-]{35}", ["telegram"], severity="critical", bare=True)

# developer services
P("dev-services", "circleci-personal-token", "CircleCI personal API token", "critical", ["ccipat_"], "CCIPAT_[A-Za-z0-9]{22}_[a-f0-9]{40}", ["circleci"])
P("dev-services", "buildkite-token", "Buildkite user access token", "critical", ["bkua_"], "bkua_[a-f0-9]{40}", ["buildkite"])
P("dev-services", "sonarqube-token", "SonarQube / SonarCloud token", "high", ["sqp_", "squ_", "sqa_"], "sq[pua]_[a-f0-9]{40}", ["sonarqube"])
P("dev-services", "jfrog-api-key", "JFrog Artifactory API key", "critical", ["akcp"], "AKCp[A-Za-z0-9]{69}", ["jfrog", "artifactory"])
P("dev-services", "jfrog-reference-token", "JFrog reference token", "critical", ["cmvmdgtu"], "cmVmdGtuOjAxOj[A-Za-z0-9]{50}", ["jfrog", "artifactory"], entropy=4.0)
P("dev-services", "sourcegraph-token", "Sourcegraph access token", "critical", ["sgp_", "slk_"], "sgp_(?:[a-fA-F0-9]{16}|local)_[a-fA-F0-9]{40}|sgp_[a-fA-F0-9]{40}|slk_[a-f0-9]{64}", ["sourcegraph"], gen="sgp_[a-f0-9]{16}_[a-f0-9]{40}|slk_[a-f0-9]{64}")
P("dev-services", "bitbucket-app-password", "Bitbucket app password or access token", "critical", ["atbb", "atctt3xffgn0"], "ATBB[A-Za-z0-9_=.\\-]{28,40}|ATCTT3xFfGN0[A-Za-z0-9_=\\-]{160,220}", ["bitbucket", "atlassian"], entropy=3.8, gen="ATBB[A-Za-z0-9]{32}")
P("dev-services", "asana-personal-token", "Asana personal access token", "critical", [], "[012]/[0-9]{16}:[a-f0-9]{32}", ["asana"], left="(?:^|[^A-Za-z0-9_/\\-])")
P("dev-services", "linear-api-key", "Linear API key or OAuth token", "critical", ["lin_api_", "lin_oauth_"], "lin_api_[A-Za-z0-9]{40}|lin_oauth_[a-f0-9]{64}", ["linear"])
P("dev-services", "notion-token", "Notion integration token", "critical", ["secret_", "ntn_"], "secret_[A-Za-z0-9]{43}|ntn_[0-9]{11}[A-Za-z0-9]{35}", ["notion"], entropy=3.8)
P("dev-services", "postman-api-key", "Postman API key", "critical", ["pmak-"], "PMAK-[a-f0-9]{24}-[a-f0-9]{34}", ["postman"])
P("dev-services", "contentful-token", "Contentful personal access token", "critical", ["cfpat-"], "CFPAT-[A-Za-z0-9_\\-]{43}", ["contentful"])
P("dev-services", "clickup-token", "ClickUp personal API token", "high", ["pk_"], "pk_[0-9]{6,9}_[0-9A-Z]{32}", ["clickup"])
P("dev-services", "figma-token", "Figma personal access token", "high", ["figd_"], "figd_[A-Za-z0-9_\\-]{40}", ["figma"])
P("dev-services", "airtable-token", "Airtable personal access token", "critical", ["pat"], "pat[A-Za-z0-9]{14}\\.[a-f0-9]{64}", ["airtable"])
P("dev-services", "prefect-api-key", "Prefect API key", "critical", ["pnu_"], "pnu_[A-Za-z0-9]{36}", ["prefect"])
P("dev-services", "readme-api-key", "ReadMe API key", "high", ["rdme_"], "rdme_[a-z0-9]{70}", ["readme"])
P("dev-services", "rubygems-api-key", "RubyGems API key", "critical", ["rubygems_"], "rubygems_[a-f0-9]{48}", ["rubygems", "package-registry"])
P("dev-services", "crates-io-token", "crates.io API token", "critical", ["cio"], "cio[A-Za-z0-9]{32}", ["crates-io", "package-registry"], entropy=4.0, prefix_text="CARGO_REGISTRY_TOKEN=", confidence="medium")
P("dev-services", "typeform-token", "Typeform personal access token", "high", ["tfp_"], "tfp_[A-Za-z0-9_\\-.=]{40,59}", ["typeform"], gen="tfp_[A-Za-z0-9]{44}")
P("dev-services", "frameio-token", "Frame.io developer token", "high", ["fio-u-"], "fio-u-[A-Za-z0-9_\\-=]{64}", ["frameio"], gen="fio-u-[A-Za-z0-9]{64}")
P("dev-services", "harness-token", "Harness personal or service account token", "critical", ["pat.", "sat."], "(?:pat|sat)\\.[A-Za-z0-9_\\-]{22}\\.[a-f0-9]{24}\\.[A-Za-z0-9]{20}", ["harness"])
P("dev-services", "sidekiq-credentials", "Sidekiq Enterprise / Pro gem credentials", "high", ["contribsys"], "[a-f0-9]{8}:[a-f0-9]{8}", ["sidekiq"], left="(?i:BUNDLE_(?:ENTERPRISE|GEMS)__CONTRIBSYS__COM)\\w{0,8}[\"'`]?[ \\t]*:?[:=][ \\t]*[\"'`]?", prefix_text="", confidence="high", entropy=2.5)
P("dev-services", "sidekiq-url-credentials", "Sidekiq gem server URL with credentials", "high", ["contribsys.com"], "[a-f0-9]{8}:[a-f0-9]{8}", ["sidekiq"], left="https?://", right="@(?:gems|enterprise)\\.contribsys\\.com", entropy=2.5)
P("dev-services", "settlemint-token", "SettleMint access token", "high", ["sm_pat_", "sm_aat_", "sm_sat_"], "sm_(?:pat|aat|sat)_[A-Za-z0-9]{16}", ["settlemint"])
P("dev-services", "onepassword-service-account-token", "1Password service account token", "critical", ["ops_eyj"], "ops_eyJ[A-Za-z0-9+/]{250,}={0,3}", ["1password"], right=EB64)
P("dev-services", "onepassword-secret-key", "1Password account secret key", "critical", ["a3-"], "A3-[A-Z0-9]{6}-(?:[A-Z0-9]{11}|[A-Z0-9]{6}-[A-Z0-9]{5})-[A-Z0-9]{5}-[A-Z0-9]{5}-[A-Z0-9]{5}", ["1password"])
P("dev-services", "launchdarkly-token", "LaunchDarkly API or SDK key", "high", ["api-", "sdk-"], "(?:api|sdk)-" + UUID, ["launchdarkly"], prefix_text="LAUNCHDARKLY_SDK_KEY=", left="(?i:launchdarkly|ld)[\\w.\\-]{0,24}?[\"'`]?[ \\t]*(?::=|[:=])[ \\t]*[\"'`]?", confidence="medium")
K("dev-services", "launchdarkly-access-token", "LaunchDarkly access token (UUID)", ["launchdarkly", "launch_darkly"], UUID, ["launchdarkly"])
P("dev-services", "okta-api-token", "Okta API token", "critical", ["okta", "ssws"], "00[A-Za-z0-9_\\-]{40}", ["okta"], left="(?i:okta|ssws)[\\w.\\-]{0,24}?[\"'`]?[ \\t]*[:= ][ \\t]*[\"'`]?", entropy=3.8, confidence="medium")
P("dev-services", "gitlab-runner-token-legacy", "GitLab runner registration token (legacy)", "high", ["gr1348941"], "GR1348941[A-Za-z0-9_\\-]{20}", ["gitlab"])
P("dev-services", "stackhawk-api-key", "StackHawk API key", "high", ["hawk."], "hawk\\.[A-Za-z0-9_\\-]{20}\\.[A-Za-z0-9_\\-]{20}", ["stackhawk"])
P("dev-services", "dtrack-api-key", "Dependency-Track API key", "high", ["odt_"], "odt_[A-Za-z0-9]{32,255}", ["dependency-track"])
P("dev-services", "segment-token", "Segment public API token", "high", ["sgp_"], "sgp_[A-Za-z0-9]{64}", ["segment"])
P("dev-services", "ionic-token", "Ionic personal access token", "high", ["ion_"], "ion_[A-Za-z0-9]{42}", ["ionic"])
P("dev-services", "nightfall-api-key", "Nightfall API key", "high", ["nf-"], "NF-[A-Za-z0-9]{32}", ["nightfall"], entropy=3.8)
P("dev-services", "maxmind-license-key", "MaxMind license key", "high", ["_mmk"], "[A-Za-z0-9]{6}_[A-Za-z0-9]{29}_mmk", ["maxmind"])
P("dev-services", "hubspot-private-app-token", "HubSpot private app token", "critical", ["pat-na1-", "pat-eu1-"], "pat-(?:na|eu)1-" + UUID, ["hubspot"])
P("dev-services", "zoho-token", "Zoho OAuth refresh or access token", "high", ["1000."], "1000\\.[a-f0-9]{32}\\.[a-f0-9]{32}", ["zoho"])
P("dev-services", "dropbox-token", "Dropbox short-lived access token", "high", ["sl."], "sl\\.[A-Za-z0-9_\\-]{130,152}", ["dropbox"], left="(?:^|[^A-Za-z0-9_\\-.])", gen="sl\\.[A-Za-z0-9]{138}")
P("dev-services", "salesforce-access-token", "Salesforce access token", "critical", ["00d"], "00D[A-Za-z0-9]{12}![A-Za-z0-9_.]{96}", ["salesforce"])
P("dev-services", "mapbox-secret-token", "Mapbox secret token", "critical", ["sk.eyj"], "sk\\.eyJ[A-Za-z0-9_\\-]{60,120}\\.[A-Za-z0-9_\\-]{22}", ["mapbox"], gen="sk\\.eyJ[A-Za-z0-9]{80}\\.[A-Za-z0-9]{22}")
P("dev-services", "ubidots-token", "Ubidots token", "high", ["bbff-"], "BBFF-[A-Za-z0-9]{30}", ["ubidots"])
P("dev-services", "adafruit-io-key", "Adafruit IO key", "high", ["aio_"], "aio_[A-Za-z0-9]{28}", ["adafruit"], entropy=3.8)
P("dev-services", "adobe-client-secret", "Adobe client secret", "high", ["p8e-"], "p8e-[A-Za-z0-9\\-]{32}", ["adobe"], entropy=3.8)
P("dev-services", "pubnub-key", "PubNub publish or subscribe key", "medium", ["pub-c-", "sub-c-"], "(?:pub|sub)-c-" + UUID, ["pubnub"], confidence="medium")
P("dev-services", "voiceflow-api-key", "Voiceflow API key", "high", ["vf."], "VF\\.(?:(?:DM|WS)\\.)?[a-f0-9]{24}\\.[A-Za-z0-9]{16}", ["voiceflow"])
P("dev-services", "twitch-token", "Twitch OAuth token", "high", ["oauth:"], "oauth:[a-z0-9]{30}", ["twitch"], left="", entropy=3.5)
P("dev-services", "google-oauth-client-secret", "Google OAuth client secret", "critical", ["gocspx-"], "GOCSPX-[A-Za-z0-9_\\-]{28}", ["google"])
P("dev-services", "google-oauth-access-token", "Google OAuth access token", "high", ["ya29."], "ya29\\.[A-Za-z0-9_\\-]{30,1024}", ["google"], entropy=3.8, gen="ya29\\.[A-Za-z0-9]{60}")
P("dev-services", "facebook-access-token", "Facebook / Meta access token", "high", ["eaacede", "eaab", "eaag"], "EAA(?:CEdEose0cBA|B|G)[A-Za-z0-9]{90,250}", ["facebook"], gen="EAAB[A-Za-z0-9]{120}")
P("observability", "fullstory-api-key", "FullStory API key", "high", ["na1."], "na1\\.[A-Za-z0-9+/]{100}", ["fullstory"], right=EB64)
P("dev-services", "intra42-client-secret", "42 (Intra) OAuth client secret", "high", ["s-s4t2ud-", "s-s4t2af-"], "s-s4t2(?:ud|af)-[a-f0-9]{64}", ["intra42"])
P("dev-services", "scrapfly-api-key", "Scrapfly API key", "high", ["scp-live-", "scp-test-"], "scp-(?:live|test)-[a-z0-9]{32}", ["scrapfly"])
P("dev-services", "teamwork-api-token", "Teamwork (Desk, CRM, Spaces) API token", "high", ["tkn.v1_"], "tkn\\.v1_[A-Za-z0-9]{71}=", ["teamwork"], right=EB64)
P("observability", "posthog-personal-api-key", "PostHog personal API key", "high", ["phx_"], "phx_[A-Za-z0-9_]{43}", ["posthog"], gen="phx_[A-Za-z0-9]{43}")
P("payments", "flexport-api-key", "Flexport API key", "high", ["shltm_"], "shltm_[A-Za-z0-9_\\-]{40}", ["flexport"], gen="shltm_[A-Za-z0-9]{40}")
P("commerce", "tickettailor-api-key", "Ticket Tailor API key", "high", ["sk_"], "sk_[0-9]{4}_[0-9]{6}_[a-f0-9]{32}", ["tickettailor"])
P("dev-services", "twitter-bearer-token", "X (Twitter) app bearer token", "high", ["aaaaaaaaaaaaaaaaaaaaa"], "A{22}[A-Za-z0-9%]{80,120}", ["twitter"], gen="A{22}[A-Za-z0-9]{90}")
K("dev-services", "circleci-token-legacy", "CircleCI API token (legacy)", ["circleci", "circle_token", "circle-token"], "[a-f0-9]{40}", ["circleci"], severity="critical")
K("dev-services", "travis-ci-token", "Travis CI token", ["travis"], "[A-Za-z0-9_]{22}", ["travis"], entropy=3.8)
K("dev-services", "snyk-token", "Snyk API token", ["snyk"], UUID_CI, ["snyk"], severity="critical", gen=UUID)
K("dev-services", "sonarqube-token-legacy", "SonarQube token (legacy)", ["sonar"], "[a-f0-9]{40}", ["sonarqube"])
K("dev-services", "jira-api-token", "Jira / Confluence API token (legacy)", ["jira", "confluence", "atlassian"], "[A-Za-z0-9]{24}", ["atlassian"], entropy=3.8)
K("dev-services", "bitbucket-client-secret", "Bitbucket OAuth client secret", ["bitbucket"], "[A-Za-z0-9_\\-+]{32}|[A-Za-z0-9_\\-+]{44}", ["bitbucket"], entropy=3.8)
K("dev-services", "asana-token-legacy", "Asana token or client secret", ["asana"], "[A-Za-z0-9]{32}", ["asana"], entropy=3.5)
K("dev-services", "auth0-client-secret", "Auth0 client secret or management token", ["auth0"], "[A-Za-z0-9_\\-]{64,}|[A-Za-z0-9_\\-]{32,60}", ["auth0"], severity="critical", entropy=4.0)
K("dev-services", "gitlab-token-legacy", "GitLab token (legacy, 20 characters)", ["gitlab"], "[A-Za-z0-9_\\-]{20}", ["gitlab"], entropy=3.8)
K("dev-services", "jenkins-token", "Jenkins API token or crumb", ["jenkins"], "[a-f0-9]{32,36}", ["jenkins"])
K("dev-services", "linkedin-client-secret", "LinkedIn client secret", ["linkedin"], "[A-Za-z0-9]{16}", ["linkedin"], entropy=3.5)
K("dev-services", "twitter-secret", "X (Twitter) API secret", ["twitter"], "[A-Za-z0-9]{35,50}", ["twitter"], entropy=4.0)
K("dev-services", "facebook-secret", "Facebook app secret", ["facebook", "fb_app", "fb-app"], "[a-f0-9]{32}", ["facebook"])
K("dev-services", "dropbox-token-legacy", "Dropbox long-lived token or app secret", ["dropbox"], "[A-Za-z0-9_\\-]{11}AAAAAAAAAA[A-Za-z0-9_\\-]{43}", ["dropbox"], entropy=3.5)
K("dev-services", "hubspot-api-key", "HubSpot API key (legacy)", ["hubspot"], UUID, ["hubspot"])
K("dev-services", "mapbox-token-named", "Mapbox token", ["mapbox"], "[st]k\\.[A-Za-z0-9_\\-]{32,128}\\.[A-Za-z0-9_\\-]{20,30}", ["mapbox"])
K("dev-services", "shortcut-token", "Shortcut (Clubhouse) API token", ["shortcut", "clubhouse"], UUID, ["shortcut"])

# AI
P("ai", "groq-api-key", "Groq API key", "critical", ["gsk_"], "gsk_[A-Za-z0-9]{52}", ["groq"])
P("ai", "replicate-api-token", "Replicate API token", "critical", ["r8_"], "r8_[A-Za-z0-9_\\-]{37}", ["replicate"], entropy=3.8)
P("ai", "perplexity-api-key", "Perplexity API key", "critical", ["pplx-"], "pplx-[A-Za-z0-9]{48}", ["perplexity"])
P("ai", "xai-api-key", "xAI API key", "critical", ["xai-"], "xai-[A-Za-z0-9_]{80}", ["xai"])
P("ai", "elevenlabs-api-key", "ElevenLabs API key", "high", ["sk_"], "sk_[a-f0-9]{48}", ["elevenlabs"])
P("ai", "nvidia-api-key", "NVIDIA API key", "critical", ["nvapi-"], "nvapi-[A-Za-z0-9_\\-]{64}", ["nvidia"])
P("ai", "openrouter-api-key", "OpenRouter API key", "critical", ["sk-or-v1-"], "sk-or-v1-[a-f0-9]{64}", ["openrouter"])
P("ai", "langsmith-api-key", "LangSmith API key", "high", ["lsv2_"], "lsv2_(?:pt|sk)_[a-f0-9]{32}_[a-f0-9]{10}", ["langsmith"])
P("ai", "tavily-api-key", "Tavily API key", "high", ["tvly-"], "tvly-(?:dev-|prod-)?[A-Za-z0-9]{32}", ["tavily"])
P("ai", "huggingface-org-token", "Hugging Face organization API token", "high", ["api_org_"], "api_org_[A-Za-z]{34}", ["huggingface"])
P("ai", "deepseek-api-key", "DeepSeek API key", "critical", ["deepseek"], "sk-[a-f0-9]{32}", ["deepseek"], left="(?i:deepseek)[\\w.\\-]{0,24}?[\"'`]?[ \\t]*(?::=|[:=])[ \\t]*[\"'`]?", confidence="medium")
K("ai", "cohere-api-key", "Cohere API key", ["cohere", "co_api"], "[A-Za-z0-9]{40}", ["cohere"], severity="critical", entropy=4.0)
K("ai", "mistral-api-key", "Mistral AI API key", ["mistral"], "[A-Za-z0-9]{32}", ["mistral"], severity="critical", entropy=4.0)
K("ai", "together-api-key", "Together AI API key", ["together"], "[a-f0-9]{64}|tgp_v1_[A-Za-z0-9_\\-]{43}", ["together"], severity="critical")
K("ai", "assemblyai-api-key", "AssemblyAI API key", ["assemblyai", "assembly_ai"], "[a-f0-9]{32}", ["assemblyai"])
K("ai", "deepgram-api-key", "Deepgram API key", ["deepgram"], "[a-f0-9]{40}", ["deepgram"])
K("ai", "pinecone-api-key", "Pinecone API key", ["pinecone"], UUID + "|pcsk_[A-Za-z0-9]{5,6}_[A-Za-z0-9]{60,70}", ["pinecone"], severity="critical")
K("ai", "clarifai-api-key", "Clarifai API key or personal access token", ["clarifai"], "[A-Za-z0-9]{32}", ["clarifai"], entropy=3.5)
K("ai", "stability-api-key", "Stability AI API key", ["stability"], "sk-[A-Za-z0-9]{48}", ["stability"], severity="critical")

# data platforms
P("data-platforms", "mongodb-atlas-service-account-secret", "MongoDB Atlas service account secret", "critical", ["mdb_sa_sk_"], "mdb_sa_sk_[A-Za-z0-9_\\-]{6}[A-Za-z0-9]{34}", ["mongodb"])
P("data-platforms", "planetscale-token", "PlanetScale token, password or OAuth token", "critical", ["pscale_tkn_", "pscale_pw_", "pscale_oauth_"], "pscale_(?:tkn|pw|oauth)_[A-Za-z0-9_\\-.=]{32,64}", ["planetscale"], gen="pscale_(?:tkn|pw|oauth)_[A-Za-z0-9]{43}")
P("data-platforms", "supabase-token", "Supabase personal access or secret key", "critical", ["sbp_", "sb_secret_"], "sbp_[a-f0-9]{40}|sb_secret_[A-Za-z0-9_\\-]{31}", ["supabase"])
P("data-platforms", "neon-api-key", "Neon API key", "critical", ["napi_"], "napi_[a-z0-9]{64}", ["neon"])
K("data-platforms", "mongodb-atlas-api-key", "MongoDB Atlas private API key", ["atlas", "mongodb"], UUID, ["mongodb"], severity="critical")
K("data-platforms", "snowflake-password", "Snowflake password or token", ["snowflake"], "[A-Za-z0-9!@#%^&*+_\\-]{12,64}", ["snowflake"], severity="critical", entropy=3.8, gen="[A-Za-z0-9]{20}")
K("data-platforms", "confluent-api-secret", "Confluent Cloud API secret", ["confluent", "ccloud"], "[A-Za-z0-9+/]{64}", ["confluent"], severity="critical", entropy=4.0)
K("data-platforms", "algolia-api-key", "Algolia admin or API key", ["algolia"], "[a-f0-9]{32}", ["algolia"])
K("data-platforms", "elastic-api-key", "Elastic Cloud or Elasticsearch API key", ["elastic", "elasticsearch", "es_api"], "[A-Za-z0-9_\\-]{96}|[A-Za-z0-9_\\-]{20}:[A-Za-z0-9_\\-]{22}|essu_[A-Za-z0-9+/=]{60,120}", ["elastic"], entropy=3.8)
K("data-platforms", "rockset-api-key", "Rockset API key", ["rockset"], "[A-Za-z0-9]{64}", ["rockset"], entropy=4.0)
K("data-platforms", "firebase-secret", "Firebase database secret", ["firebase"], "[A-Za-z0-9]{40}", ["firebase"], entropy=4.0)

# commerce
P("commerce", "shopify-token", "Shopify access, custom-app, private-app token or shared secret", "critical", ["shpat_", "shpca_", "shppa_", "shpss_"], "shp(?:at|ca|pa|ss)_[a-fA-F0-9]{32}", ["shopify"])
K("commerce", "squarespace-api-key", "Squarespace API key", ["squarespace"], UUID, ["squarespace"], bare=True)
K("commerce", "woocommerce-secret", "WooCommerce consumer secret", ["woocommerce", "wc_secret", "consumer_secret"], "cs_[a-f0-9]{40}", ["woocommerce"])
K("commerce", "bigcommerce-token", "BigCommerce access token", ["bigcommerce"], "[a-z0-9]{31}", ["bigcommerce"], entropy=3.8)

# key formats
P("key-formats", "age-secret-key", "age secret key", "critical", ["age-secret-key-1"], "AGE-SECRET-KEY-1[02-9ACDEFGHJKLMNPQRSTUVWXYZ]{58}", ["age"], validator="bech32", gen="bech32:age")
P("key-formats", "putty-private-key", "PuTTY private key", "critical", ["putty-user-key-file-"], "PuTTY-User-Key-File-[23]: [a-z0-9\\-]+\\r?\\nEncryption: none\\r?\\n(?:[^\\n]*\\r?\\n){1,40}?Private-Lines: [0-9]+\\r?\\n[A-Za-z0-9+/=]{40,}", ["putty", "ssh"], left="", right="", multiline=True, gen="putty")
P("key-formats", "kubernetes-service-account-token", "Kubernetes service account token", "critical", ["eyjpc3mioijrdwjlcm5ldgvzl3nlcnzpy2vhy2nvdw50"], "eyJ[A-Za-z0-9_\\-]{10,}\\.eyJpc3MiOiJrdWJlcm5ldGVzL3NlcnZpY2VhY2NvdW50[A-Za-z0-9_\\-]{20,}\\.[A-Za-z0-9_\\-]{40,}", ["kubernetes"], validator="jwt", gen="k8s")
P("key-formats", "wireguard-private-key", "WireGuard private or preshared key", "critical", ["privatekey", "presharedkey"], "[A-Za-z0-9+/]{42}[AEIMQUYcgkosw048]=", ["wireguard"], left="(?:PrivateKey|PresharedKey)[ \\t]*=[ \\t]*", right=EB64)
P("key-formats", "base64-private-key", "Base64-encoded PEM private key", "critical", ["ls0tls1crudjtib"], "LS0tLS1CRUdJTiB(?:SU0EgUFJJVkFURSBLRVk|PUEVOU1NIIFBSSVZBVEUgS0VZ|FQyBQUklWQVRFIEtFWS|QUklWQVRFIEtFWS|EU0EgUFJJVkFURSBLRVk)[A-Za-z0-9+/]{60,}={0,2}", ["private-key"], right=EB64, gen="b64pem")
P("key-formats", "krb5-asrep-hash", "Kerberos AS-REP roastable hash", "medium", ["$krb5asrep$"], "\\$krb5asrep\\$23\\$(?:[^:$ ]+:)?[0-9a-f]{32}\\$[0-9a-f]{64,}", ["kerberos"], left="", confidence="medium", gen="\\$krb5asrep\\$23\\$svc-backup@CONTOSO\\.LOCAL:[0-9a-f]{32}\\$[0-9a-f]{200}")


# API services whose keys have a shape of their own but no prefix: the name must stand beside.
SEVEN4 = "[0-9A-Z]{7}-[0-9A-Z]{7}-[0-9A-Z]{7}-[0-9A-Z]{7}"
K("api-services", "requestfinance-api-key", "Request Finance API key", ["requestfinance", "request_finance"], SEVEN4, ["requestfinance"], severity="medium", bare=True)
K("api-services", "mailmodo-api-key", "Mailmodo API key", ["mailmodo"], SEVEN4, ["mailmodo"], severity="medium", bare=True)
K("api-services", "screenshotapi-api-key", "ScreenshotAPI key", ["screenshotapi"], SEVEN4, ["screenshotapi"], severity="medium", bare=True)
K("api-services", "ayrshare-api-key", "Ayrshare API key", ["ayrshare"], "[A-Z0-9]{8}-[A-Z0-9]{8}-[A-Z0-9]{8}-[A-Z0-9]{8}", ["ayrshare"], severity="medium", bare=True)
K("api-services", "apifonica-api-key", "Apifonica API key", ["apifonica"], "[0-9a-z]{11}-[0-9a-z]{4}-[0-9a-z]{4}-[0-9a-z]{4}-[0-9a-z]{12}", ["apifonica"], severity="medium", bare=True)
K("api-services", "qualaroo-api-key", "Qualaroo API key", ["qualaroo"], "[A-Za-z0-9=]{64}", ["qualaroo"], severity="medium", bare=True, entropy=3.5, gen="[A-Za-z0-9]{64}")
K("api-services", "mailsac-api-key", "Mailsac API key", ["mailsac"], "k_[A-Za-z0-9]{36,48}", ["mailsac"], severity="medium", bare=True)
K("api-services", "beamer-api-key", "Beamer API key", ["beamer"], "b_[A-Za-z0-9=_/+\\-]{44}", ["beamer"], severity="medium", bare=True, gen="b_[A-Za-z0-9]{44}")
K("api-services", "bombbomb-api-key", "BombBomb API key", ["bombbomb"], "[A-Za-z0-9+/]{86,88}={0,2}", ["bombbomb"], severity="medium", bare=True, entropy=4.0, gen="[A-Za-z0-9]{88}")
K("api-services", "budibase-api-key", "Budibase API key", ["budibase"], "[a-f0-9]{32}-[a-f0-9]{78,80}", ["budibase"], severity="medium", bare=True)
K("api-services", "checio-api-key", "Checkout.io (checio) API key", ["checio"], "pk_[a-z0-9]{45}", ["checio"], severity="medium", bare=True)
K("api-services", "courier-api-key", "Courier API key", ["courier"], "pk_[A-Za-z0-9]{1,12}_[A-Za-z0-9]{28}", ["courier"], severity="medium", gen="pk_prod_[A-Z0-9]{28}")
K("api-services", "zenkit-api-key", "Zenkit API key", ["zenkit"], "[0-9a-z]{8}-[0-9A-Za-z]{32}", ["zenkit"], severity="medium", bare=True)
K("api-services", "storyblok-api-key", "Storyblok access token", ["storyblok"], "[A-Za-z0-9]{22}tt", ["storyblok"], severity="medium", bare=True)
K("api-services", "bannerbear-api-key", "Bannerbear API key", ["bannerbear"], "[A-Za-z0-9]{22}tt", ["bannerbear"], severity="medium", bare=True)
K("api-services", "salesblink-api-key", "SalesBlink API key", ["salesblink"], "key-[A-Za-z0-9]{64}", ["salesblink"], severity="medium", bare=True)
K("api-services", "pushbullet-api-key", "Pushbullet access token", ["pushbullet"], "[A-Za-z0-9_.]{34}", ["pushbullet"], severity="medium", bare=True, entropy=3.5, gen="o\\.[A-Za-z0-9]{32}")
K("api-services", "uptimerobot-api-key", "UptimeRobot API key", ["uptimerobot"], "[A-Za-z0-9]{9}-[A-Za-z0-9]{24}", ["uptimerobot"], severity="medium", bare=True)
K("api-services", "telnyx-api-key", "Telnyx API key", ["telnyx"], "KEY[0-9A-Za-z_\\-]{55}", ["telnyx"], severity="medium", bare=True, gen="KEY[0-9A-Za-z]{55}")
K("api-services", "closecrm-api-key", "Close CRM API key", ["closecrm", "close_crm", "close.io"], "api_[A-Za-z0-9.]{45}", ["closecrm"], severity="medium", bare=True, gen="api_[A-Za-z0-9]{45}")
K("api-services", "klaviyo-api-key", "Klaviyo private API key", ["klaviyo"], "pk_[A-Za-z0-9]{34}", ["klaviyo"], severity="medium", bare=True)
K("api-services", "dfuse-api-key", "dfuse API key", ["dfuse"], "web_[0-9a-z]{32}", ["dfuse"], severity="medium", bare=True)
K("api-services", "swiftype-api-key", "Swiftype API key", ["swiftype"], "[A-Za-z0-9]{6}_[A-Za-z0-9]{6}-[A-Za-z0-9]{6}", ["swiftype"], severity="medium", bare=True)
K("api-services", "instabot-api-key", "Instabot API key", ["instabot"], "[A-Za-z0-9+/]{43}=", ["instabot"], severity="medium", bare=True, entropy=3.8)
K("api-services", "shipday-api-key", "Shipday API key", ["shipday"], "[A-Za-z0-9.]{11}[A-Za-z0-9]{20}", ["shipday"], severity="medium", bare=True, gen="[A-Za-z0-9]{31}")
K("api-services", "iexcloud-secret-key", "IEX Cloud secret token", ["iexapis", "iexcloud"], "sk_[a-z0-9]{32}", ["iexcloud"], severity="medium", bare=True)

# API services known only by their name beside the key: "<id> <names|...> <shape:length>,... [ctx]".
# Shapes: hex, alnum, alnum_ (with _), alnum- (with -), alnum_- (both), uuid. The name may stand
# right before the value (`chartmogul: <key>`); `ctx`: a word such as key, token or secret must
# follow it, for names that also mean something else in code or values short enough to be
# anything. Providers whose name is a plain word or a common identifier (box, front, streak,
# envoy, semaphore...) are left out or commented out: their name beside a value is no evidence;
# so are names inside common words, which the keyword prefilter would stop at everywhere
# (toggl in toggle, column).
NAMED_TABLE = """
adobe adobe hex:32
apify apify_api alnum:36
apilayer apilayer alnum:32
apimetrics apimetrics alnum:32
apitemplate apitemplate alnum:39
apollo apollo alnum:22 ctx
appoptics appoptics alnum_-:71
appsynergy appsynergy alnum:64
atera atera alnum:32
audd audd alnum-:32
autoklose autoklose alnum-:32
autopilot autopilot hex:32 ctx
aviationstack aviationstack alnum:32
axonaut axonaut alnum:32
baremetrics baremetrics alnum_-:25
beebole beebole alnum:40
besnappy besnappy hex:64
besttime besttime alnum_:36
betterstack betterstack alnum:24
bitbar bitbar alnum:32
bitcoinaverage bitcoinaverage alnum:43
bitly bitly alnum-:40
blazemeter blazemeter|runscope uuid:36
blitapp blitapp alnum_-:39
blocknative blocknative uuid:36
blogger blogger alnum-:39 ctx
boostnote boostnote hex:64
brandfetch brandfetch alnum:40
browshot browshot alnum:28
bscscan bscscan alnum:34
buddyns buddyns alnum:40
bugherd bugherd alnum:22
bulbul bulbul alnum:32
buttercms buttercms alnum:40
caflou caflou alnum:155
calendarific calendarific alnum:32
calorieninja calorieninja alnum:40
campayn campayn alnum:64
carboninterface carboninterface alnum:21
centralstationcrm centralstationcrm alnum:30
chartmogul chartmogul alnum:32
#chatbot chatbot alnum_:32
chatfuel chatfuel alnum:128
checklyhq checklyhq alnum:32
cicero cicero alnum:40 ctx
clearbit clearbit alnum_:35
cliengo cliengo uuid:36
clockify clockify alnum:48
cloudimage cloudimage alnum_:30
cloudmersive cloudmersive alnum-:36
cloudplan cloudplan alnum-:32
cloudsight cloudsight alnum:20-24
cloudsmith cloudsmith hex:40
clustdoc clustdoc alnum:60
coda coda uuid:36 ctx
codacy codacy alnum:20-24 ctx
codemagic codemagic alnum_:43
codequiry codequiry alnum:64
coinapi coinapi alnum-:36
coinlayer coinlayer alnum:32
coinlib coinlib alnum:16
collect2 collect2 uuid:36 ctx
commercejs commercejs alnum_:48
convertapi convertapi alnum:16 ctx
convertkit convertkit alnum_:22
countrylayer countrylayer alnum:32
coveralls coveralls alnum-:37
craftmypdf craftmypdf alnum:35
crowdin crowdin alnum:80
cryptocompare cryptocompare alnum:64
currencyfreaks currencyfreaks alnum:32
currencylayer currencylayer alnum:32
currencyscoop currencyscoop alnum:32
dailyco daily|dailyco|daily.co hex:64 ctx
dandelion dandelion alnum:32 ctx
dareboost dareboost alnum:60
datagov data.gov alnum:40
detectify detectify alnum:32
detectlanguage detectlanguage alnum:32
diffbot diffbot alnum:32
diggernaut diggernaut alnum:40
disqus disqus alnum:64
docparser docparser hex:40
dronahq dronahq alnum:50
droneci droneci alnum:32
dynalist dynalist alnum_-:128
dyspatch dyspatch alnum:52
eagleeyenetworks eagleeyenetworks alnum:15 ctx
#enigma enigma alnum:40
#envoy envoy alnum:220
etherscan etherscan alnum:34
ethplorer ethplorer alnum-:22
eventbrite eventbrite alnum:20 ctx
exchangerateapi exchangerate alnum:24
exchangeratesapi exchangerates alnum:32
extractorapi extractorapi alnum:40
fastforex fastforex alnum-:28
fastly fastly alnum_-:32
feedier feedier alnum:32
financialmodelingprep financialmodelingprep alnum:32
findl findl uuid:36
finnhub finnhub alnum:20
fixerio fixer alnum:32 ctx
flickr flickr alnum:32
flightapi flightapi alnum:24
formcraft formcraft alnum:16
foursquare foursquare alnum:48
#frameio fio-u- alnum_-:64
#fulcrum fulcrum alnum:80
geckoboard geckoboard alnum:44
geoapify geoapify alnum:32
#geocode geocode alnum:28
geocodify geocodify alnum:40
getemail getemail alnum-:20 ctx
getgeoapi getgeoapi alnum:40
getresponse getresponse alnum:32
glassnode glassnode alnum:27
goodday goodday alnum:32 ctx
graphhopper graphhopper alnum-:36
#groovehq groove alnum:64
guardian guardian uuid:36 ctx
gumroad gumroad alnum-:43
gyazo gyazo alnum-:43
happyscribe happyscribe alnum:24
helpscout helpscout alnum:40
hiveage hiveage alnum_-:20
holidayapi holidayapi alnum-:36
holistic holistic hex:64 ctx
html2pdf html2pdf alnum:64
#hunter hunter alnum_-:40
hybiscus hybiscus alnum:43
iconfinder iconfinder alnum:64
iexcloud iexcloud alnum_:35
infura infura alnum:32
insightly insightly alnum-:36
interseller interseller uuid:36
intrinio intrinio alnum:44
ip2location ip2location alnum:32
ipapi ipapi alnum:32
ipgeolocation ipgeolocation alnum:32
ipinfo ipinfo hex:14 ctx
ipinfodb ipinfodb alnum:64
ipqualityscore ipquality alnum:32
ipstack ipstack hex:32
jotform jotform alnum:32
jumpcloud jumpcloud alnum:40
jupiterone jupiterone alnum:76
#juro juro alnum:40
#karmacrm karma alnum:20
klipfolio klipfolio hex:40
knapsackpro knapsackpro alnum:32
kontent kontent alnum-:36
languagelayer languagelayer alnum:32
leadfeeder leadfeeder alnum-:43
lemlist lemlist hex:32
lexigram lexigram alnum:301
linkpreview linkpreview alnum:32
loadmill loadmill alnum:40
loginradius loginradius uuid:36
lokalise lokalise alnum:40
loyverse loyverse alnum:32
lunchmoney lunchmoney hex:50
madkudu madkudu hex:32
mailboxlayer mailboxlayer alnum:32
mailerlite mailerlite alnum:32
mailjetsms mailjet alnum:32 ctx
mapquest mapquest alnum:32
marketstack marketstack alnum:32
mavenlink mavenlink alnum:64
mediastack mediastack alnum:32
meistertask meistertask alnum:43
meraki meraki hex:40
mesibo mesibo alnum:64
metrilo metrilo alnum:16
mindmeister mindmeister alnum:43
miro miro alnum:27 ctx
mixmax mixmax alnum_-:36
monkeylearn monkeylearn hex:40
moonclerk moonclerk alnum:32
moosend moosend uuid:36
moralis moralis alnum:64
myintervals myintervals alnum:11 ctx
nasdaqdatalink nasdaq alnum_-:20
newsapi newsapi alnum:32
newscatcher newscatcher alnum_:43
nftport nftport uuid:36
nicereply nicereply hex:40
nimble nimble alnum:30 ctx
#noticeable noticeable alnum:20
#nuget nuget alnum:46
numverify numverify alnum:32
nylas nylas alnum:30
oanda oanda alnum:24
omnisend omnisend alnum-:75
onesignal onesignal uuid:36
onfleet onfleet alnum:32
oopspam oopspam alnum:40
opencagedata opencagedata alnum:32
openuv openuv alnum:32
openweather openweather|pyowm alnum:32
opsgenie opsgenie uuid:36 ctx
optimizely optimizely alnum:54
overloop overloop alnum_-:50
owlbot owlbot alnum:40 ctx
packagecloud packagecloud hex:48
pandadoc pandadoc alnum:40
pandascore pandascore alnum_-:51
paralleldots paralleldots alnum:43
partnerstack partnerstack alnum:64
pastebin pastebin alnum_:32
paydirtapp paydirtapp alnum:32
paymoapp paymoapp alnum:44
paymongo paymongo alnum_:32
pdflayer pdflayer alnum:32
pdfshift pdfshift hex:32
peopledatalabs peopledatalabs alnum:64
pepipost pepipost|netcore alnum:32
pipedream pipedream alnum:32
pipedrive pipedrive alnum:40
pixabay pixabay alnum-:34
planyo planyo alnum:62
podio podio alnum:32
pollsapi pollsapi alnum:28
#polygon polygon alnum:32
positionstack positionstack alnum_:32
postageapp postageapp alnum:32
powrbot powrbot alnum:40
#privacy privacy uuid:36
prodpad prodpad hex:64
prospectcrm prospect alnum-:32 ctx
#protocolsio protocols alnum:64
proxycrawl proxycrawl alnum_:22
qase qase alnum:40
qubole qubole alnum:64
rapidapi rapidapi alnum_-:50
rawg rawg alnum:32 ctx
rebrandly rebrandly alnum_:32
replyio replyio alnum:24
restpack restpack alnum:48,alnum:48
ritekit ritekit hex:44
rocketreach rocketreach alnum-:39
route4me route4me alnum:32
salescookie salescookie alnum:32
salesflare salesflare alnum_:45
scrapeowl scrapeowl alnum:30
scraperapi scraperapi alnum:32
scraperbox scraperbox alnum:32
scrapestack scrapestack alnum:32
scrapingant scrapingant alnum:32
scrapingbee scrapingbee alnum:80
screenshotlayer screenshotlayer alnum_:32
scrutinizerci scrutinizer alnum:64
securitytrails securitytrails alnum:32
selectpdf selectpdf alnum-:36
#semaphore semaphore alnum:32
sendbird sendbird hex:24
serphouse serphouse alnum:60
serpstack serpstack alnum:32
sherpadesk sherpadesk alnum:32
shodan shodan alnum:32
shotstack shotstack alnum:40
signaturit signaturit alnum:86
signupgenius signupgenius alnum:32
sigopt sigopt alnum:48
simfin simfin alnum:32
simplesat simplesat alnum:40
simvoly simvoly alnum:33
skrappio skrapp|skrappio alnum:42
smartsheets smartsheets alnum:37
snipcart snipcart alnum_:75
speechtextai speechtext hex:32
spoonacular spoonacular alnum:32
sportsmonk sportsmonk alnum:60
spotify spotify alnum:32 ctx
sslmate sslmate alnum:36
statuscake statuscake alnum:20
statuspage statuspage alnum-:36
statuspal statuspal alnum:32
stitchdata stitchdata alnum_:35
stockdata stockdata alnum:40
storecove storecove alnum_-:43
stormboard stormboard hex:40
stormglass stormglass alnum-:73
surveybot surveybot alnum-:80
surveysparrow surveysparrow alnum_-:88
survicate survicate alnum:32
tatumio tatum alnum-:36
taxjar taxjar alnum:32
technicalanalysisapi technicalanalysisapi alnum:48
#tefter tefter alnum:20
teletype teletype alnum-:64 ctx
theoddsapi theoddsapi|the-odds-api hex:32
ticketmaster ticketmaster alnum:32
tiingo tiingo alnum:40
timecamp timecamp alnum:26
timezoneapi timezoneapi alnum:20
tmetric tmetric alnum:64
todoist todoist alnum:40
tomtom tomtom alnum:32
tradier tradier alnum:28
transferwise transferwise uuid:36
travelpayouts travelpayouts alnum:32
twelvedata twelvedata alnum:32
#twilio twilio alnum:32
twitch twitch alnum:30
tyntec tyntec alnum:32
uclassify uclassify alnum:12 ctx
unplugg unplugg|unplu alnum:64 ctx
unsplash unsplash alnum_:43
upcdatabase upcdatabase alnum:32
uplead uplead alnum-:32
upwave upwave alnum:32
urlscan urlscan alnum-:36
userflow userflow alnum_:29
userstack userstack alnum:32
vatlayer vatlayer alnum:32
vbout vbout hex:25
verimail verimail alnum:32
veriphone veriphone alnum:32
versioneye versioneye alnum-:40
virustotal virustotal hex:64
visualcrossing visualcrossing alnum:25
voodoosms voodoosms alnum:46
vpnapi vpnapi alnum:32
vultr vultr alnum:36
vyte vyte alnum:50
walkscore walkscore alnum:32
wandb wandb hex:40
weatherbit weatherbit alnum:32
weatherstack weatherstack alnum:32
webflow webflow alnum:64
webscraper webscraper alnum:60
webscraping webscraping alnum:32
whoxy whoxy alnum:33
wistia wistia alnum:64
worksnaps worksnaps alnum:40
worldcoinindex worldcoinindex alnum:35
worldweather worldweather alnum:31
youneedabudget youneedabudget hex:64
yousign yousign alnum:32
zenrows zenrows hex:40
zenscrape zenscrape uuid:36
zerobounce zerobounce alnum:32
zerotier zerotier alnum:32
zipcodeapi zipcodeapi alnum:64
zipcodebase zipcodebase uuid:36
zonkafeedback zonka alnum:36
"""

SHAPES = {"hex": "[a-fA-F0-9]", "alnum": "[A-Za-z0-9]", "alnum_": "[A-Za-z0-9_]",
          "alnum-": "[A-Za-z0-9\\-]", "alnum_-": "[A-Za-z0-9_\\-]"}

def shape_regex(shape):
    kind, length = shape.split(":")
    if kind == "uuid":
        return "[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
    return SHAPES[kind] + "{%s}" % length.replace("-", ",")

def hand_written_ids():
    """Ids of the rules in the hand-written files (those the generator does not own)."""
    ids = set()
    for name in os.listdir(os.path.join(ROOT, "rules")):
        if name[:-4] in FAMILIES:
            continue
        ids |= set(re.findall(r"^  - id: ([a-z0-9\-]+)", open(os.path.join(ROOT, "rules", name)).read(), re.M))
    return ids

def load_named_table():
    taken = {r["id"] for r in RULES} | hand_written_ids()
    for line in NAMED_TABLE.strip().splitlines():
        if line.startswith("#"):
            continue
        pid, names, shapes, *flags = line.split()
        rid = pid + "-api-key"
        if rid in taken:
            continue
        value = "|".join(shape_regex(s) for s in shapes.split(","))
        title = pid.replace("-", " ").title()
        K("api-services", rid, f"{title} API key", names.split("|"), value, [pid], severity="medium",
          bare="ctx" not in flags, gen=shape_regex(shapes.split(",")[0]).replace("[a-fA-F0-9]", "[a-f0-9]").replace("[A-Za-z0-9\\-]", "[A-Za-z0-9]").replace("[A-Za-z0-9_\\-]", "[A-Za-z0-9]").replace("[A-Za-z0-9_]", "[A-Za-z0-9]"))

# A provider's name and a word such as key or secret right before a token-shaped value that
# is not in the provider's documented format (wrong length or alphabet): a credential from an
# older or undocumented format, or a placeholder. One shared rule over every named provider,
# at low confidence, so a gate warns and does not fail; the exact-format rules keep theirs.
# Names that are ordinary words or identifiers in code are left out: beside them a value is
# no evidence of a credential.
NONSTANDARD_SKIP = {
    "apollo", "atlas", "audd", "beamer", "circle-token", "circle_token", "co_api", "coda", "cohere",
    "collect2", "consumer_secret", "courier", "daily", "elastic", "es_api", "findl", "fixer",
    "guardian", "holistic", "jenkins", "jira", "line-channel", "line_channel", "linechannel",
    "miro", "nimble", "oracle", "podio", "prospect", "pusher", "shortcut", "sonar", "stability",
    "teletype", "together", "unplu", "upwave", "vault", "vyte", "zeit", "snowflake", "mongodb",
    "scw_secret", "wc_secret", "tatum", "lob", "oci", "nr_", "dd-api", "dd-app", "pd-api", "pd_api",
    "cf-api", "cf_api", "ibm", "logz", "sumo",
    # A Twitch stream key is a channel's broadcast key, not an API credential.
    "twitch",
}
NONSTANDARD_VALUE = "[A-Za-z0-9][A-Za-z0-9_\\-.+/=]{15,255}"
# More providers (with or without an exact-format rule) whose names are distinctive enough to stand
# for them beside a key word.
NONSTANDARD_EXTRA = """
aiven alchemy anypoint appfollow appointedd borgbase capsulecrm cloudconvert cloverly
conversiontools d7network databox ecostruxureit edenai fileio finage flightlabs formbucket
formio fullstory helpcrunch hellosign imagekit imagga ipifi juro kickbox kylas lemonsqueezy
lendflow livestorm paperform protocolsio rentman scrapfly shutterstock simplynoted storychief
stripo supernotes tallyfy tefter tickettailor viewneo voicegain wrike yandex yelp zeplin
airtable dynatrace sourcegraph stripe
""".split()

def nonstandard_rule():
    names = {n.lower() for r in RULES if r["kind"] == "named" for n in r["names"]} | set(NONSTANDARD_EXTRA)
    names = sorted(names - NONSTANDARD_SKIP)
    return dict(kind="nonstandard", family="api-services", id="provider-credential-nonstandard",
                name="A provider's credential not in its documented format, or a placeholder",
                severity="medium", names=names, tags=["nonstandard"])

def build_nonstandard(r, rng):
    alts = "|".join(name_regex(n) for n in r["names"])
    middle = f"[\\w.\\- \\t]{{0,24}}?(?i:{CONTEXT_WORDS})[\\w.\\- \\t]{{0,16}}?(?:{GLUE}|[.\\-])"
    # The name may end a longer setting's name (`FLASK_APP_AIVEN_API_KEY`).
    pattern = f"(?i:(?:\\b|_)(?:{alts})){middle}(?P<secret>{NONSTANDARD_VALUE})(?:[^A-Za-z0-9_\\-.+/=]|$)"
    keywords = sorted({k for n in r["names"] for k in name_keywords(n)})
    v, v2 = (draw("[A-Za-z0-9]{34}", rng, 3.5, mixed=True) for _ in range(2))
    examples = [f'RAWG_API_KEY = "{v}"', f"vercel SECRET {draw('[0-9]{24}', rng)}",
                f"mailgun token: {v2}"]
    negatives = [f'RAWG_API_KEY = "${{RAWG_API_KEY}}"', f"rawg = {v}",
                 f"STRIPE_PUBLISHABLE_KEY = pk_live_{draw('[A-Za-z0-9]{24}', rng, 3.5, mixed=True)}",
                 "vercel_token_path = src/config/token_reader", "mailgun key: your_mailgun_api_key_here"]
    lines = [f"  - id: {r['id']}", f"    name: {q(r['name'])}", f"    severity: {r['severity']}",
             "    confidence: low", f"    keywords: [{', '.join(q(k) for k in keywords)}]",
             f"    pattern: {q(pattern)}", "    min_entropy: 2.5", "    value_check: shape",
             # Words, identifiers and paths are not keys; nor is the `a1b2c3d4` of documentation,
             # nor a Stripe publishable key (`pk_live_`), which is public by design.
             "    allowlist: [\"^[A-Za-z_\\\\-]+$\", \"^[A-Za-z_\\\\-]+(?:[./][A-Za-z_\\\\-]+)+$\", \"(?i)a1b2c3d4\", \"^pk_(?:live|test)_\"]",
             "    names_provider: true", f"    tags: [{', '.join(q(t) for t in r['tags'])}]",
             f"    remediation: {q(REMEDIATION)}", "    examples:"]
    lines += [f"      - {q(e)}" for e in examples]
    lines.append("    negative_examples:")
    lines += [f"      - {q(e)}" for e in negatives]
    return "\n".join(lines) + "\n"

# ---- special example generators ----

BECH32 = "qpzry9x8gf2tvdw0s3jn54khce6mua7l"

def bech32_polymod(values):
    gen = [0x3B6A57B2, 0x26508E6D, 0x1EA119FA, 0x3D4233DD, 0x2A1462B3]
    chk = 1
    for v in values:
        top = chk >> 25
        chk = (chk & 0x1FFFFFF) << 5 ^ v
        for i in range(5):
            chk ^= gen[i] if (top >> i) & 1 else 0
    return chk

def bech32_encode(hrp, data8):
    acc = bits = 0
    data = []
    for b in data8:
        acc = (acc << 8) | b
        bits += 8
        while bits >= 5:
            bits -= 5
            data.append((acc >> bits) & 31)
    if bits:
        data.append((acc << (5 - bits)) & 31)
    values = [ord(c) >> 5 for c in hrp] + [0] + [ord(c) & 31 for c in hrp] + data
    pm = bech32_polymod(values + [0] * 6) ^ 1
    checksum = [(pm >> 5 * (5 - i)) & 31 for i in range(6)]
    return hrp + "1" + "".join(BECH32[d] for d in data + checksum)

def b64url(b):
    import base64
    return base64.urlsafe_b64encode(b).decode().rstrip("=")

def special(kind, rng):
    import base64
    if kind == "bech32:age":
        return bech32_encode("age-secret-key-", rng.randbytes(32)).upper()
    if kind == "k8s":
        header = b64url(json.dumps({"alg": "RS256", "kid": b64url(rng.randbytes(12))}).encode())
        payload = b64url(json.dumps({"iss": "kubernetes/serviceaccount",
                                     "kubernetes.io/serviceaccount/namespace": "build",
                                     "kubernetes.io/serviceaccount/secret.name": "deployer-token-" + sample("[a-z0-9]{5}", rng),
                                     "sub": "system:serviceaccount:build:deployer"}, separators=(",", ":")).encode())
        return f"{header}.{payload}.{b64url(rng.randbytes(256))}"
    if kind == "putty":
        b = lambda n: base64.b64encode(rng.randbytes(n)).decode()
        return ("PuTTY-User-Key-File-2: ssh-rsa\nEncryption: none\nComment: rsa-key-20240611\n"
                f"Public-Lines: 2\n{b(48)}\n{b(15)}\nPrivate-Lines: 2\n{b(48)}\n{b(15)}\n"
                f"Private-MAC: {rng.randbytes(20).hex()}")
    if kind == "grafana":
        import zlib
        token = "glsa_" + sample("[A-Za-z0-9]{32}", rng)
        return f"{token}_{zlib.crc32(token.encode()).to_bytes(4, 'little').hex()}"
    if kind == "b64pem":
        body = base64.b64encode(rng.randbytes(120)).decode()
        pem = f"-----BEGIN RSA PRIVATE KEY-----\n{body}\n-----END RSA PRIVATE KEY-----\n"
        return base64.b64encode(pem.encode()).decode()
    return sample(kind, rng)

def entropy(text):
    import math
    n = len(text)
    return -sum(c / n * math.log2(c / n) for c in (text.count(x) for x in set(text))) if n else 0

def draw(gen, rng, min_entropy=None, mixed=False):
    """A fake value from `gen` that a real key would resemble: above the rule's entropy floor
    and, for `mixed` (key-like alphanumerics), holding both a letter and a digit."""
    for _ in range(500):
        v = special(gen, rng)
        if min_entropy and entropy(v) < min_entropy + 0.1:
            continue
        if mixed and not (re.search(r"[0-9]", v) and re.search(r"[A-Za-z]", v)):
            continue
        return v
    raise SystemExit(f"cannot draw a value for {gen}")

def name_regex(name):
    """A provider's name as settings spell it: `data.gov` also as data_gov, data-gov, datagov."""
    return "[._\\-]?".join(re.escape(part) for part in re.split(r"[._\-]", name))

def name_keywords(name):
    parts = re.split(r"[._\-]", name.lower())
    return sorted({sep.join(parts) for sep in (".", "_", "-", "")}) if len(parts) > 1 else [name.lower()]

# ---- YAML ----

def q(s):
    return json.dumps(s)

CONTEXT_WORDS = "secret|private|access|key|token|auth|api|pass|pwd|sid|credential"
GLUE = "(?:[\"'`]?[ \\t]*(?:=>|:=|[:=,])[ \\t]*[\"'`]?|[\"'`]?[ \\t]+[\"'`]?)"

def named_pattern(names, value, bare=False):
    alts = "|".join(name_regex(n) for n in names)
    # The name, then a word that says what follows (`_API_KEY`, ` SECRET key`), then the
    # separator and the value; for a `bare` rule that middle part may be absent.
    # After the context word a dash or a dot may also separate (`prospect-access-<key>`).
    middle = f"[\\w.\\- \\t]{{0,24}}?(?i:{CONTEXT_WORDS})[\\w.\\- \\t]{{0,16}}?(?:{GLUE}|[.\\-])"
    if bare:
        middle = f"(?:{middle}|{GLUE})"
    return f"(?i:\\b(?:{alts})){middle}(?P<secret>{value}){{{{rb}}}}"

def env_name(s):
    return re.sub(r"[^A-Za-z0-9]", "_", s).upper()

def build(rule, rng):
    r = rule
    if r["kind"] == "named":
        min_entropy = r["entropy"] if r["entropy"] is not None else 3.0
        v, v2, v3 = (draw(r["gen"], rng, min_entropy, mixed=True) for _ in range(3))
        n = r["names"][0]
        pattern = named_pattern(r["names"], r["value"], r["bare"])
        examples = [f'{env_name(n)}_API_KEY = "{v}"', f"{n} secret: {v2}", f'"{n}_token": "{v3}"']
        if r["bare"]:
            examples.append(f"{n}: {draw(r['gen'], rng, min_entropy, mixed=True)}")
        negatives = [f'API_KEY = "{v}"', f'{env_name(n)}_API_KEY = "${{{env_name(n)}_API_KEY}}"']
        keywords = sorted({k for n in r["names"] for k in name_keywords(n)})
        entropy = min_entropy
        # A value of letters only is a word or an identifier, not a key.
        extra = {"allowlist": ["^[A-Za-z_\\-]+$"]}
    else:
        s = special(r["gen"], rng)
        pattern = r.get("pattern") or r["left"] + f"(?P<secret>{r['secret']})" + r["right"]
        tag = env_name(r["tags"][0])
        pre, post = r.get("prefix_text") or f'{tag}_TOKEN="', r.get("suffix_text", '"' if not r.get("prefix_text") else "")
        examples = [f"{pre}{s}{post}"]
        if r["left"] in (B, "[^A-Za-z0-9+/_\\-\\r\\n]") and not r.get("prefix_text"):
            examples.append(f"  token: {special(r['gen'], rng)}")
        if r["gen"] in ("putty", "k8s"):
            examples = [s] if r["gen"] == "putty" else [f"token: {s}"]
        # Cut short just past the prefix: a truncated or elided value is not a key.
        half = s[: min(len(r["keywords"][0]) + 8, len(s) // 2)] if r["keywords"] else s[:12]
        if r["gen"] == "putty":
            half = s.replace("Private-Lines: 2\n", "Private-Lines: 2\n#")
        negatives = [f"{pre}{half}{post}", f'{tag}_TOKEN="${{{{ secrets.{tag}_TOKEN }}}}"']
        keywords = r["keywords"]
        entropy = r["entropy"]
        extra = {}
    lines = [f"  - id: {r['id']}", f"    name: {q(r['name'])}", f"    severity: {r['severity']}",
             f"    confidence: {r['confidence']}", f"    keywords: [{', '.join(q(k) for k in keywords)}]"]
    if r["kind"] == "prefixed" and not keywords:
        lines.append("    scope: token-runs")
    lines.append(f"    pattern: {q(pattern)}")
    if r.get("multiline"):
        lines.append("    multiline: true")
    if entropy:
        lines.append(f"    min_entropy: {entropy}")
    if r.get("validator"):
        lines.append(f"    validator: {r['validator']}")
    if r.get("context"):
        lines.append(f"    context: {q(r['context'])}")
    for k, v in extra.items():
        lines.append(f"    {k}: [{', '.join(q(x) for x in v)}]")
    # Every generated pattern names its provider (a prefix, or the name right before the
    # value), so filler values there are reported at low confidence, not dropped.
    lines.append("    names_provider: true")
    lines.append(f"    tags: [{', '.join(q(t) for t in r['tags'])}]")
    lines.append(f"    remediation: {q(KEY_REMEDIATION if r['family'] == 'key-formats' else REMEDIATION)}")
    lines.append("    examples:")
    lines += [f"      - {q(e)}" for e in examples]
    lines.append("    negative_examples:")
    lines += [f"      - {q(e)}" for e in negatives]
    return "\n".join(lines) + "\n"

import re

EXTRA_TEXT = {
    "sidekiq-credentials": {"prefix_text": "BUNDLE_ENTERPRISE__CONTRIBSYS__COM=", "suffix_text": ""},
    "sidekiq-url-credentials": {"prefix_text": "source \"https://", "suffix_text": "@gems.contribsys.com/\""},
        "wireguard-private-key": {"prefix_text": "PrivateKey = ", "suffix_text": ""},
    "okta-api-token": {"prefix_text": "OKTA_API_TOKEN=", "suffix_text": ""},
    "sendbird-token": {"prefix_text": "SENDBIRD_API_TOKEN=", "suffix_text": ""},
    "asana-personal-token": {"prefix_text": "ASANA_TOKEN=", "suffix_text": ""},
}

def render():
    load_named_table()
    RULES.append(nonstandard_rule())
    files = {}
    for fam, title in FAMILIES.items():
        rng = random.Random("secretgate-" + fam)
        out = [f"# {title}.", "# Generated by scripts/rulegen.py from its tables: edit those, then run it.", "",
               "rules:"]
        for r in RULES:
            if r["family"] != fam:
                continue
            r.update(EXTRA_TEXT.get(r["id"], {}))
            out.append(build_nonstandard(r, rng) if r["kind"] == "nonstandard" else build(r, rng))
        files[f"rules/{fam}.yml"] = "\n".join(out).rstrip("\n") + "\n"
    return files

def main():
    files = render()
    stale = []
    for path, text in files.items():
        full = os.path.join(ROOT, path)
        old = open(full).read() if os.path.exists(full) else None
        if old != text:
            stale.append(path)
            if "--check" not in sys.argv:
                open(full, "w").write(text)
    if "--check" in sys.argv and stale:
        print("out of date: " + ", ".join(stale))
        sys.exit(1)
    print(f"{len(RULES)} rules in {len(files)} files")

if __name__ == "__main__":
    main()
