//! Password checks on a small pool of threads, so that logins cannot take
//! the machine's memory.
//!
//! An argon2id check with the default parameters fills 19 MiB. Run through
//! `spawn_blocking`, every concurrent login got a thread of its own (up to
//! 512) that allocated, filled and freed those 19 MiB; glibc serves each
//! thread from an arena of its own and keeps freed memory in it, so 25
//! concurrent logins left 1.7 GB behind. Here a fixed number of worker
//! threads each own one argon2 memory, allocated on its first check and
//! reused by every later one (`Argon2::hash_password_into_with_memory`), so
//! the pool never holds more than `workers` × 19 MiB. At most `queue` logins
//! wait for a worker; one more is refused at once ([`PoolBusy`], a `503`).
//! A waiting login keeps its place even if its client goes away, so the
//! bound holds whatever the clients do.

use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{mpsc, Arc, Mutex, PoisonError};

use argon2::password_hash::{Output, PasswordHash};
use argon2::{Algorithm, Argon2, Block, Params, Version};
use tokio::sync::{oneshot, OwnedSemaphorePermit, Semaphore};

/// The largest argon2 memory a worker accepts, in 1 KiB blocks (64 MiB):
/// a stored hash that asks for more was not made by this atlas.
const MAX_MEMORY_BLOCKS: usize = 64 * 1024;

/// All workers are busy and the queue is full: try again in a moment.
#[derive(Debug, thiserror::Error)]
#[error("too many logins at once; try again in a second")]
pub struct PoolBusy;

/// What the pool has done, for tests and logs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PoolStats {
    pub workers: usize,
    /// The most checks that ever ran at the same time.
    pub peak_running: usize,
    /// Checks finished.
    pub checks: u64,
}

#[derive(Default)]
struct Counters {
    running: AtomicUsize,
    peak_running: AtomicUsize,
    checks: AtomicU64,
}

struct Job {
    password: String,
    password_hash: String,
    reply: oneshot::Sender<bool>,
    /// Held until the check is done: a place among workers + queue.
    _place: OwnedSemaphorePermit,
}

/// A fixed set of threads that check passwords against argon2 PHC strings.
/// Dropping the pool ends its threads (and frees their memory).
pub struct PasswordPool {
    jobs: mpsc::Sender<Job>,
    places: Arc<Semaphore>,
    counters: Arc<Counters>,
    workers: usize,
}

impl PasswordPool {
    /// `workers` threads (at least one), and at most `queue` checks waiting.
    pub fn new(workers: usize, queue: usize) -> Self {
        let workers = workers.max(1);
        let (jobs, receiver) = mpsc::channel::<Job>();
        let receiver = Arc::new(Mutex::new(receiver));
        let counters = Arc::new(Counters::default());
        for index in 0..workers {
            let receiver = Arc::clone(&receiver);
            let counters = Arc::clone(&counters);
            std::thread::Builder::new()
                .name(format!("atlas-password-{index}"))
                .spawn(move || work(&receiver, &counters))
                .expect("the operating system refused a thread for password checks");
        }
        PasswordPool {
            jobs,
            places: Arc::new(Semaphore::new(workers + queue)),
            counters,
            workers,
        }
    }

    /// Whether `password` matches `password_hash` (false for a malformed
    /// hash), checked on a worker; [`PoolBusy`] when the queue is full.
    pub async fn verify(&self, password: String, password_hash: String) -> Result<bool, PoolBusy> {
        let place = Arc::clone(&self.places)
            .try_acquire_owned()
            .map_err(|_| PoolBusy)?;
        let (reply, answer) = oneshot::channel();
        self.jobs
            .send(Job {
                password,
                password_hash,
                reply,
                _place: place,
            })
            .map_err(|_| PoolBusy)?;
        // an error here means a worker panicked on this job
        answer.await.map_err(|_| PoolBusy)
    }

    pub fn stats(&self) -> PoolStats {
        PoolStats {
            workers: self.workers,
            peak_running: self.counters.peak_running.load(Ordering::SeqCst),
            checks: self.counters.checks.load(Ordering::SeqCst),
        }
    }
}

/// One worker: take a job, check it with this worker's memory, answer.
fn work(receiver: &Mutex<mpsc::Receiver<Job>>, counters: &Counters) {
    let mut memory: Vec<Block> = Vec::new();
    loop {
        let job = receiver
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .recv();
        let Ok(job) = job else {
            return; // the pool is gone
        };
        let running = counters.running.fetch_add(1, Ordering::SeqCst) + 1;
        counters.peak_running.fetch_max(running, Ordering::SeqCst);
        let matches = verify_with_memory(&job.password, &job.password_hash, &mut memory);
        counters.running.fetch_sub(1, Ordering::SeqCst);
        counters.checks.fetch_add(1, Ordering::SeqCst);
        let _ = job.reply.send(matches);
    }
}

/// Check `password` against a PHC string using `memory` as argon2's working
/// memory, grown (once) when the hash asks for more than it holds. Agrees
/// with `argon2::PasswordVerifier`; the comparison is in constant time.
pub(crate) fn verify_with_memory(
    password: &str,
    password_hash: &str,
    memory: &mut Vec<Block>,
) -> bool {
    let Ok(parsed) = PasswordHash::new(password_hash) else {
        return false;
    };
    let (Some(salt), Some(expected)) = (parsed.salt, parsed.hash) else {
        return false;
    };
    let Ok(algorithm) = Algorithm::try_from(parsed.algorithm) else {
        return false;
    };
    let version = match parsed.version.map(Version::try_from).transpose() {
        Ok(version) => version.unwrap_or_default(),
        Err(_) => return false,
    };
    let Ok(params) = Params::try_from(&parsed) else {
        return false;
    };
    let blocks = params.block_count();
    if blocks > MAX_MEMORY_BLOCKS {
        tracing::warn!("a stored password hash asks for {blocks} KiB of argon2 memory; refused");
        return false;
    }
    if memory.len() < blocks {
        memory.resize(blocks, Block::default());
    }
    let mut salt_buffer = [0u8; 64];
    let Ok(salt) = salt.decode_b64(&mut salt_buffer) else {
        return false;
    };
    let mut computed = [0u8; Output::MAX_LENGTH];
    let computed = &mut computed[..expected.len()];
    let hashed = Argon2::new(algorithm, version, params).hash_password_into_with_memory(
        password.as_bytes(),
        salt,
        computed,
        &mut memory[..],
    );
    hashed.is_ok() && Output::new(computed).is_ok_and(|output| output == expected)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::{decoy_password_hash, hash_password, verify_password};

    #[test]
    fn a_reused_memory_gives_the_answers_of_the_argon2_verifier() {
        let mut memory = Vec::new();
        let right = hash_password("right");
        for (password, hash) in [
            ("right", right.as_str()),
            ("wrong", right.as_str()),
            ("right", "not a hash"),
            ("right", &decoy_password_hash()),
            ("", right.as_str()),
        ] {
            assert_eq!(
                verify_with_memory(password, hash, &mut memory),
                verify_password(password, hash),
                "{password} against {hash}"
            );
        }
        assert_eq!(
            memory.len(),
            Params::DEFAULT.block_count(),
            "allocated once"
        );
        assert!(
            verify_with_memory("right", &right, &mut memory),
            "a dirty memory"
        );
        // smaller parameters than the memory holds
        let small = Params::new(64, 1, 1, None).unwrap();
        let salt = argon2::password_hash::SaltString::encode_b64(b"0123456789abcdef").unwrap();
        let small_hash = argon2::password_hash::PasswordHasher::hash_password(
            &Argon2::new(Algorithm::Argon2id, Version::V0x13, small),
            b"x",
            &salt,
        )
        .unwrap()
        .to_string();
        assert!(verify_with_memory("x", &small_hash, &mut memory));
        assert!(!verify_with_memory("y", &small_hash, &mut memory));
    }

    #[tokio::test]
    async fn checks_wait_for_a_worker_and_a_full_queue_is_refused() {
        let pool = Arc::new(PasswordPool::new(1, 2));
        let hash = hash_password("pw");
        let mut waiting = Vec::new();
        for _ in 0..8 {
            let (pool, hash) = (Arc::clone(&pool), hash.clone());
            waiting.push(tokio::spawn(
                async move { pool.verify("pw".into(), hash).await },
            ));
        }
        let mut answers = Vec::new();
        for task in waiting {
            answers.push(task.await.unwrap());
        }
        let matched = answers
            .iter()
            .filter(|answer| matches!(answer, Ok(true)))
            .count();
        let busy = answers.iter().filter(|answer| answer.is_err()).count();
        assert_eq!(matched + busy, 8);
        assert!(
            (1..=3).contains(&matched),
            "{matched} checked of 8, room for 3"
        );
        let stats = pool.stats();
        assert_eq!(stats.peak_running, 1);
        assert_eq!(stats.checks, matched as u64);
    }
}
