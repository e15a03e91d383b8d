//! One retry policy for every API we call: 429 and secondary rate limits honour
//! `Retry-After` (or the rate-limit reset header); 5xx and transport errors back off
//! exponentially; every loop is bounded in attempts and in total wait.

use std::future::Future;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// Bounds for [`with_retry`].
#[derive(Debug, Clone, Copy)]
pub struct RetryPolicy {
    /// Total tries, the first one included.
    pub max_attempts: u32,
    /// First backoff delay; doubled on each retry.
    pub base_delay: Duration,
    /// No single wait is longer than this, whatever `Retry-After` asks.
    pub max_delay: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            max_attempts: 4,
            base_delay: Duration::from_millis(500),
            max_delay: Duration::from_secs(60),
        }
    }
}

impl RetryPolicy {
    /// The delay before retry number `retry` (1-based) when the server gave no hint.
    pub fn backoff(&self, retry: u32) -> Duration {
        let factor = 1u32 << retry.saturating_sub(1).min(16);
        self.base_delay.saturating_mul(factor).min(self.max_delay)
    }
}

/// What one try of an operation came to.
#[derive(Debug)]
pub enum Attempt<T, E> {
    Done(T),
    /// Worth another try; `after` is the server's hint (`Retry-After`), if any.
    Retry {
        after: Option<Duration>,
        error: E,
    },
    /// Final: retrying cannot help (401, 403 without a rate-limit sign, 404, 422...).
    Fail(E),
}

/// How an HTTP status should be treated, given the headers that matter for retrying.
///
/// `retry_after` is the parsed `Retry-After` header; `ratelimit_exhausted` is true when
/// `x-ratelimit-remaining: 0` (GitHub's primary limit answers 403 or 429 with it).
pub fn classify_status(
    status: u16,
    retry_after: Option<Duration>,
    ratelimit_exhausted: bool,
) -> StatusClass {
    match status {
        200..=299 => StatusClass::Success,
        429 => StatusClass::Retryable(retry_after),
        403 if retry_after.is_some() || ratelimit_exhausted => StatusClass::Retryable(retry_after),
        500..=599 => StatusClass::Retryable(retry_after),
        _ => StatusClass::Final,
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StatusClass {
    Success,
    Retryable(Option<Duration>),
    Final,
}

/// Parses `Retry-After` as delay-seconds (the HTTP-date form is rare on these APIs and is
/// treated as absent, which falls back to exponential backoff).
pub fn parse_retry_after(value: &str) -> Option<Duration> {
    value.trim().parse::<u64>().ok().map(Duration::from_secs)
}

/// The retry hints a response carries: `Retry-After` (both APIs), and GitHub's
/// `x-ratelimit-remaining` / `x-ratelimit-reset`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RetryHints {
    pub retry_after: Option<Duration>,
    /// `x-ratelimit-remaining: 0`: the primary rate limit is used up.
    pub exhausted: bool,
    /// Time left until `x-ratelimit-reset`, when that is in the future.
    pub reset_in: Option<Duration>,
}

impl RetryHints {
    pub fn from_headers(headers: &http::HeaderMap) -> Self {
        let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
        Self {
            retry_after: header("retry-after").and_then(parse_retry_after),
            exhausted: header("x-ratelimit-remaining").is_some_and(|v| v.trim() == "0"),
            reset_in: until_reset(header("x-ratelimit-reset").and_then(|v| v.trim().parse().ok())),
        }
    }
}

/// How long until the `x-ratelimit-reset` epoch second, if it is in the future.
fn until_reset(reset: Option<u64>) -> Option<Duration> {
    let now = SystemTime::now().duration_since(UNIX_EPOCH).ok()?.as_secs();
    reset
        .filter(|r| *r > now)
        .map(|r| Duration::from_secs(r - now))
}

/// Runs `op` until it is done, fails for good, or the policy's attempts run out; the last
/// error is returned then.
pub async fn with_retry<T, E, F, Fut>(policy: RetryPolicy, mut op: F) -> Result<T, E>
where
    F: FnMut(u32) -> Fut,
    Fut: Future<Output = Attempt<T, E>>,
{
    let mut attempt = 1;
    loop {
        match op(attempt).await {
            Attempt::Done(v) => return Ok(v),
            Attempt::Fail(e) => return Err(e),
            Attempt::Retry { after, error } => {
                if attempt >= policy.max_attempts {
                    return Err(error);
                }
                let wait = after.unwrap_or_else(|| policy.backoff(attempt));
                tokio::time::sleep(wait.min(policy.max_delay)).await;
                attempt += 1;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_are_classified_as_the_apis_document() {
        assert_eq!(classify_status(201, None, false), StatusClass::Success);
        assert_eq!(
            classify_status(502, None, false),
            StatusClass::Retryable(None)
        );
        let hint = Some(Duration::from_secs(2));
        assert_eq!(
            classify_status(429, hint, false),
            StatusClass::Retryable(hint)
        );
        assert_eq!(
            classify_status(403, None, true),
            StatusClass::Retryable(None)
        );
        assert_eq!(classify_status(403, None, false), StatusClass::Final);
        assert_eq!(classify_status(404, None, false), StatusClass::Final);
        assert_eq!(classify_status(422, None, false), StatusClass::Final);
    }

    #[test]
    fn backoff_doubles_and_is_capped() {
        let p = RetryPolicy {
            max_attempts: 5,
            base_delay: Duration::from_millis(100),
            max_delay: Duration::from_millis(350),
        };
        assert_eq!(p.backoff(1), Duration::from_millis(100));
        assert_eq!(p.backoff(2), Duration::from_millis(200));
        assert_eq!(p.backoff(3), Duration::from_millis(350));
    }

    #[test]
    fn hints_are_read_from_the_headers() {
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        let mut headers = http::HeaderMap::new();
        headers.insert("retry-after", http::HeaderValue::from_static("7"));
        headers.insert("x-ratelimit-remaining", http::HeaderValue::from_static("0"));
        let reset = http::HeaderValue::from_str(&(now + 30).to_string()).expect("ascii");
        headers.insert("x-ratelimit-reset", reset);
        let hints = RetryHints::from_headers(&headers);
        assert_eq!(hints.retry_after, Some(Duration::from_secs(7)));
        assert!(hints.exhausted);
        assert!(hints.reset_in.is_some_and(|d| d.as_secs() <= 30));
        assert_eq!(
            RetryHints::from_headers(&http::HeaderMap::new()),
            RetryHints::default()
        );
    }

    #[test]
    fn reset_in_the_past_gives_no_wait() {
        assert_eq!(until_reset(Some(1)), None);
        assert_eq!(until_reset(None), None);
    }

    #[tokio::test]
    async fn retries_are_bounded() {
        let p = RetryPolicy {
            max_attempts: 3,
            base_delay: Duration::from_millis(1),
            max_delay: Duration::from_millis(2),
        };
        let mut calls = 0;
        let r: Result<(), &str> = with_retry(p, |_| {
            calls += 1;
            async {
                Attempt::Retry {
                    after: None,
                    error: "502",
                }
            }
        })
        .await;
        assert_eq!(r, Err("502"));
        assert_eq!(calls, 3);
    }
}
