//! argon2id hashing and checking with working memory that is kept and reused:
//! a few threads of their own, each holding its 19 MiB between calls.
//! On tokio's blocking pool each new thread allocated that memory afresh and
//! glibc kept the freed blocks in per-thread arenas, so bursts of logins left
//! the server at over a gigabyte; here it is at most threads × 19 MiB.

use std::sync::{mpsc, Arc, Mutex};

use argon2::{
    password_hash::{
        errors::InvalidValue, rand_core::OsRng, Error, Output, ParamsString, PasswordHash, Salt,
        SaltString,
    },
    Algorithm, Argon2, Block, Params, Version,
};

/// The most working memory a stored hash may ask for: 64 MiB (blocks of 1 KiB).
const MAX_BLOCKS: usize = 64 * 1024;

/// argon2's output for `password` and `salt` in `memory` (grown as needed,
/// never shrunk), or an error for parameters asking for too much memory.
fn compute(
    argon: &Argon2<'_>,
    password: &[u8],
    salt: Salt<'_>,
    output_len: usize,
    memory: &mut Vec<Block>,
) -> Result<Output, Error> {
    let blocks = argon.params().block_count();
    if blocks > MAX_BLOCKS {
        return Err(Error::ParamValueInvalid(InvalidValue::TooLong));
    }
    if memory.len() < blocks {
        memory.resize(blocks, Block::default());
    }
    let mut salt_buffer = [0u8; 64];
    let salt = salt.decode_b64(&mut salt_buffer)?;
    Output::init_with(output_len, |out| {
        argon
            .hash_password_into_with_memory(password, salt, out, &mut memory[..blocks])
            .map_err(Error::from)
    })
}

/// A new PHC string (`$argon2id$v=19$m=19456,t=2,p=1$…`) for `password`, as
/// `Argon2::default().hash_password` makes it.
pub fn hash(password: &[u8], memory: &mut Vec<Block>) -> Result<String, Error> {
    let salt = SaltString::generate(&mut OsRng);
    let argon = Argon2::default();
    let output = compute(
        &argon,
        password,
        salt.as_salt(),
        Params::DEFAULT_OUTPUT_LEN,
        memory,
    )?;
    Ok(PasswordHash {
        algorithm: Algorithm::default().ident(),
        version: Some(Version::default().into()),
        params: ParamsString::try_from(argon.params())?,
        salt: Some(salt.as_salt()),
        hash: Some(output),
    }
    .to_string())
}

/// Whether `password` matches the PHC string `stored` (compared in constant time).
pub fn verify(password: &[u8], stored: &str, memory: &mut Vec<Block>) -> bool {
    let mut matches = || -> Result<bool, Error> {
        let parsed = PasswordHash::new(stored)?;
        let (Some(expected), Some(salt)) = (parsed.hash, parsed.salt) else {
            return Ok(false);
        };
        let algorithm = Algorithm::try_from(parsed.algorithm)?;
        let version = parsed
            .version
            .map(Version::try_from)
            .transpose()?
            .unwrap_or_default();
        let argon = Argon2::new(algorithm, version, Params::try_from(&parsed)?);
        Ok(compute(&argon, password, salt, expected.len(), memory)? == expected)
    };
    matches().unwrap_or(false)
}

type Job = Box<dyn FnOnce(&mut Vec<Block>) + Send>;

/// Threads that run password work, each with memory of its own kept
/// between jobs. They end when this is dropped.
pub struct HashingThreads {
    jobs: mpsc::Sender<Job>,
}

impl HashingThreads {
    pub fn start(count: usize) -> std::io::Result<HashingThreads> {
        let (jobs, queue) = mpsc::channel::<Job>();
        let queue = Arc::new(Mutex::new(queue));
        for i in 0..count.max(1) {
            let queue = queue.clone();
            std::thread::Builder::new()
                .name(format!("argon2-{i}"))
                .spawn(move || {
                    let mut memory = Vec::new();
                    loop {
                        let job = match queue.lock() {
                            Ok(queue) => queue.recv(),
                            Err(_) => return,
                        };
                        match job {
                            Ok(job) => job(&mut memory),
                            Err(_) => return,
                        }
                    }
                })?;
        }
        Ok(HashingThreads { jobs })
    }

    /// Runs `work` on one of the threads with its memory; `None` when the
    /// threads are gone.
    pub async fn run<T: Send + 'static>(
        &self,
        work: impl FnOnce(&mut Vec<Block>) -> T + Send + 'static,
    ) -> Option<T> {
        let (done, result) = tokio::sync::oneshot::channel();
        self.jobs
            .send(Box::new(move |memory: &mut Vec<Block>| {
                let _ = done.send(work(memory));
            }))
            .ok()?;
        result.await.ok()
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use argon2::{PasswordHasher, PasswordVerifier};

    #[test]
    fn hashes_verify_both_ways_with_the_crate_own_functions() {
        let mut memory = Vec::new();
        let ours = hash(b"correct horse", &mut memory).unwrap();
        assert!(ours.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"));
        let parsed = PasswordHash::new(&ours).unwrap();
        assert!(Argon2::default()
            .verify_password(b"correct horse", &parsed)
            .is_ok());
        let theirs = Argon2::default()
            .hash_password(b"correct horse", &SaltString::generate(&mut OsRng))
            .unwrap()
            .to_string();
        assert!(verify(b"correct horse", &theirs, &mut memory));
        assert!(!verify(b"wrong horse", &theirs, &mut memory));
        assert!(verify(b"correct horse", &ours, &mut memory));
        assert!(!verify(b"correct horse", "not a hash", &mut memory));
        // The memory is reused, not grown, from one call to the next.
        assert_eq!(memory.len(), Params::DEFAULT_M_COST as usize);
    }

    #[test]
    fn hashes_asking_for_too_much_memory_never_match() {
        let greedy = Argon2::new(
            Algorithm::Argon2id,
            Version::V0x13,
            Params::new(1 << 20, 1, 1, None).unwrap(),
        );
        let params = ParamsString::try_from(greedy.params()).unwrap();
        let salt = SaltString::generate(&mut OsRng);
        let fake = PasswordHash {
            algorithm: Algorithm::Argon2id.ident(),
            version: Some(19),
            params,
            salt: Some(salt.as_salt()),
            hash: Some(Output::new(&[0u8; 32]).unwrap()),
        }
        .to_string();
        let mut memory = Vec::new();
        assert!(!verify(b"x", &fake, &mut memory));
        assert!(memory.is_empty());
    }
}
