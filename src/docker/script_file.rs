//! The script a helper container runs, handed over as a file instead of on
//! its command line: a created (not yet started) helper receives it
//! through the Engine's archive endpoint (`PUT /containers/{id}/archive`,
//! what `docker cp` uses), and its command is only `sh SCRIPT_PATH`.
//!
//! Why: a helper's command line is what `docker ps`, `docker inspect` and
//! the Engine's events show to anyone with Docker access. A script there
//! (`iptables ... -j DROP`, `tc qdisc add ... tbf rate 1mbit`, `kill -s
//! KILL`) names the fault in clear, which in blind mode hands a responder
//! the answer. The evidence a responder should find is the fault's
//! effect, not the engine's bookkeeping.

use bollard::query_parameters::UploadToContainerOptions;
use bollard::Docker;

use super::client::{bounded, CALL_TIMEOUT};
use super::DockerError;

/// The directory the script is put in (present in every image).
pub const SCRIPT_DIR: &str = "/tmp";
/// The script's file name inside [`SCRIPT_DIR`].
pub const SCRIPT_NAME: &str = "step.sh";

/// The helper's entrypoint: runs the uploaded script.
pub fn entrypoint() -> Vec<String> {
    vec!["sh".to_owned(), format!("{SCRIPT_DIR}/{SCRIPT_NAME}")]
}

/// Puts `script` into the created helper `helper_id` (for `about`, in
/// errors) as [`SCRIPT_DIR`]/[`SCRIPT_NAME`].
pub async fn upload(
    docker: &Docker,
    helper_id: &str,
    about: &str,
    script: &str,
) -> Result<(), DockerError> {
    let archive = tar_of_one_file(SCRIPT_NAME, script.as_bytes());
    let options = UploadToContainerOptions {
        path: SCRIPT_DIR.to_owned(),
        ..UploadToContainerOptions::default()
    };
    bounded(
        CALL_TIMEOUT,
        "hand its script to the helper of",
        about,
        docker.upload_to_container(helper_id, Some(options), bollard::body_full(archive.into())),
    )
    .await
}

/// A POSIX tar archive (ustar) holding one regular file `name` (mode
/// 0644) with `content`: one header block, the content padded to 512
/// bytes, and the two zero blocks that end an archive.
pub fn tar_of_one_file(name: &str, content: &[u8]) -> Vec<u8> {
    // Every field written below fits where it goes, so no slice is out of
    // range: the name is cut to 99 bytes, the size takes 11 octal digits
    // below 8 GiB (a script is a few KiB), and the checksum, at most
    // 512 x 255, 6 octal digits.
    let mut header = [0u8; 512];
    let put = |header: &mut [u8; 512], at: usize, bytes: &[u8]| {
        header[at..at + bytes.len()].copy_from_slice(bytes);
    };
    let name = name.as_bytes();
    put(&mut header, 0, &name[..name.len().min(99)]);
    put(&mut header, 100, b"0000644\0"); // mode
    put(&mut header, 108, b"0000000\0"); // uid
    put(&mut header, 116, b"0000000\0"); // gid
    put(
        &mut header,
        124,
        format!("{:011o}\0", content.len()).as_bytes(),
    ); // size
    put(&mut header, 136, b"00000000000\0"); // mtime
    put(&mut header, 148, b"        "); // checksum, as spaces while summing
    header[156] = b'0'; // a regular file
    put(&mut header, 257, b"ustar\0"); // magic
    put(&mut header, 263, b"00"); // version
    let checksum: u32 = header.iter().map(|&b| u32::from(b)).sum();
    put(&mut header, 148, format!("{checksum:06o}\0 ").as_bytes());
    let padded = content.len().div_ceil(512) * 512;
    let mut archive = Vec::with_capacity(512 + padded + 1024);
    archive.extend_from_slice(&header);
    archive.extend_from_slice(content);
    archive.resize(512 + padded + 1024, 0);
    archive
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_archive_is_one_file_that_tar_reads_back() {
        let script = "#!/bin/sh\necho hello\n".repeat(40);
        let archive = tar_of_one_file(SCRIPT_NAME, script.as_bytes());
        assert_eq!(archive.len() % 512, 0);
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.tar");
        std::fs::write(&path, &archive).unwrap();
        let listed = std::process::Command::new("tar")
            .args([
                "-xf",
                path.to_str().unwrap(),
                "-C",
                dir.path().to_str().unwrap(),
            ])
            .output()
            .unwrap();
        assert!(listed.status.success(), "{listed:?}");
        let read = std::fs::read_to_string(dir.path().join(SCRIPT_NAME)).unwrap();
        assert_eq!(read, script);
    }
}
