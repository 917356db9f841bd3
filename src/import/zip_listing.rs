//! The members of a zip archive as its central directory lists them, read
//! from the archive's bytes without unpacking anything: name, kind (file,
//! folder, symbolic link, other), method, sizes, encryption.
//!
//! `upload.rs` decides from this listing whether GDAL may open the archive
//! (as `/vsizip/`). The parser is strict where a lenient reader and GDAL's
//! minizip could disagree about what the archive holds: no zip64, no bytes
//! before the archive, no multi-disk archives, no names that are neither
//! ASCII nor flagged UTF-8, no Info-ZIP Unicode Path fields (a second name).

/// The most members an archive may list.
pub const MAX_MEMBERS: usize = 10_000;

/// One member of the archive.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ZipMember {
    /// The name as stored: `/`-separated, relative when well formed.
    pub name: String,
    pub kind: MemberKind,
    /// 0 stored, 8 deflated; anything else GDAL cannot read.
    pub method: u16,
    pub encrypted: bool,
    pub compressed_size: u64,
    pub uncompressed_size: u64,
}

/// What a member is, from its name and its Unix mode when it has one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MemberKind {
    File,
    Folder,
    SymbolicLink,
    /// A device, a pipe or a socket.
    Special,
}

const END_SIGNATURE: &[u8; 4] = b"PK\x05\x06";
const ZIP64_LOCATOR_SIGNATURE: &[u8; 4] = b"PK\x06\x07";
const CENTRAL_SIGNATURE: &[u8; 4] = b"PK\x01\x02";
const END_LEN: usize = 22;
const CENTRAL_LEN: usize = 46;
/// The Info-ZIP Unicode Path extra field: a second name for the member.
const UNICODE_PATH_FIELD: u16 = 0x7075;
/// Hosts whose external attributes carry a Unix mode (Unix, macOS).
const UNIX_HOSTS: [u8; 2] = [3, 19];

fn u16_at(bytes: &[u8], at: usize) -> u16 {
    u16::from_le_bytes([bytes[at], bytes[at + 1]])
}

fn u32_at(bytes: &[u8], at: usize) -> u32 {
    u32::from_le_bytes([bytes[at], bytes[at + 1], bytes[at + 2], bytes[at + 3]])
}

/// Every member of the archive, in central-directory order; or why the
/// bytes are not an archive this parser vouches for.
pub fn list_members(bytes: &[u8]) -> Result<Vec<ZipMember>, String> {
    let end = find_end_record(bytes).ok_or("it has no zip directory (truncated?)")?;
    let (disk, directory_disk) = (u16_at(bytes, end + 4), u16_at(bytes, end + 6));
    let (n_on_disk, n_members) = (u16_at(bytes, end + 8), u16_at(bytes, end + 10));
    let directory_len = u32_at(bytes, end + 12) as usize;
    let directory_at = u32_at(bytes, end + 16) as usize;
    if n_members == u16::MAX
        || directory_at == u32::MAX as usize
        || (end >= 20 && &bytes[end - 20..end - 16] == ZIP64_LOCATOR_SIGNATURE)
    {
        return Err("it is a zip64 archive, which is not accepted".into());
    }
    if disk != 0 || directory_disk != 0 || n_on_disk != n_members {
        return Err("it is split over several disks".into());
    }
    if directory_at.checked_add(directory_len) != Some(end) {
        return Err("its directory is not where it says (bytes before the archive?)".into());
    }
    if n_members as usize > MAX_MEMBERS {
        return Err(format!("it has more than {MAX_MEMBERS} members"));
    }
    let mut members = Vec::with_capacity(n_members as usize);
    let mut at = directory_at;
    for _ in 0..n_members {
        let (member, next) = read_central_header(bytes, at, end)?;
        members.push(member);
        at = next;
    }
    if at != end {
        return Err("its directory has bytes that belong to no member".into());
    }
    Ok(members)
}

/// The end-of-central-directory record: the last one whose comment reaches
/// exactly to the end of the bytes (as minizip finds it, searching back).
fn find_end_record(bytes: &[u8]) -> Option<usize> {
    let last = bytes.len().checked_sub(END_LEN)?;
    let first = last.saturating_sub(u16::MAX as usize);
    (first..=last).rev().find(|&at| {
        &bytes[at..at + 4] == END_SIGNATURE
            && at + END_LEN + u16_at(bytes, at + 20) as usize == bytes.len()
    })
}

fn read_central_header(bytes: &[u8], at: usize, end: usize) -> Result<(ZipMember, usize), String> {
    let broken = || "its directory is broken".to_string();
    if at + CENTRAL_LEN > end || &bytes[at..at + 4] != CENTRAL_SIGNATURE {
        return Err(broken());
    }
    let host = (u16_at(bytes, at + 4) >> 8) as u8;
    let flags = u16_at(bytes, at + 8);
    let method = u16_at(bytes, at + 10);
    let compressed_size = u32_at(bytes, at + 20) as u64;
    let uncompressed_size = u32_at(bytes, at + 24) as u64;
    let name_len = u16_at(bytes, at + 28) as usize;
    let extra_len = u16_at(bytes, at + 30) as usize;
    let comment_len = u16_at(bytes, at + 32) as usize;
    let external = u32_at(bytes, at + 38);
    let local_at = u32_at(bytes, at + 42) as u64;
    let name_at = at + CENTRAL_LEN;
    let next = name_at + name_len + extra_len + comment_len;
    if next > end || local_at + compressed_size > end as u64 {
        return Err(broken());
    }
    let raw_name = &bytes[name_at..name_at + name_len];
    let utf8_flag = flags & (1 << 11) != 0;
    let name = match std::str::from_utf8(raw_name) {
        Ok(name) if utf8_flag || name.is_ascii() => name.to_string(),
        _ => return Err("a member's name is neither ASCII nor UTF-8".into()),
    };
    let mut extra = &bytes[name_at + name_len..name_at + name_len + extra_len];
    while extra.len() >= 4 {
        let (id, len) = (u16_at(extra, 0), u16_at(extra, 2) as usize);
        if id == UNICODE_PATH_FIELD {
            return Err(format!("'{name}' carries a second name"));
        }
        extra = extra.get(4 + len..).unwrap_or(&[]);
    }
    let unix_type = UNIX_HOSTS
        .contains(&host)
        .then_some((external >> 16) & 0o170_000);
    let kind = match unix_type {
        Some(0o120_000) => MemberKind::SymbolicLink,
        Some(0o040_000) => MemberKind::Folder,
        Some(0o100_000) | Some(0) | None if name.ends_with('/') => MemberKind::Folder,
        Some(0o100_000) | Some(0) | None => MemberKind::File,
        Some(_) => MemberKind::Special,
    };
    let member = ZipMember {
        name,
        kind,
        method,
        encrypted: flags & 1 != 0,
        compressed_size,
        uncompressed_size,
    };
    Ok((member, next))
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A stored (uncompressed) archive of `(name, bytes, unix mode)` members,
    /// as `zip` on Unix writes it.
    pub(crate) fn stored_zip(members: &[(&str, &[u8], u32)]) -> Vec<u8> {
        let mut out = Vec::new();
        let mut directory = Vec::new();
        for (name, data, mode) in members {
            let mut crc = flate2::Crc::new();
            crc.update(data);
            let offset = out.len() as u32;
            let mut common = Vec::new();
            common.extend_from_slice(&0u16.to_le_bytes()); // flags
            common.extend_from_slice(&0u16.to_le_bytes()); // stored
            common.extend_from_slice(&0u32.to_le_bytes()); // time, date
            common.extend_from_slice(&crc.sum().to_le_bytes());
            common.extend_from_slice(&(data.len() as u32).to_le_bytes());
            common.extend_from_slice(&(data.len() as u32).to_le_bytes());
            common.extend_from_slice(&(name.len() as u16).to_le_bytes());
            common.extend_from_slice(&0u16.to_le_bytes()); // extra
            out.extend_from_slice(b"PK\x03\x04\x14\x00");
            out.extend_from_slice(&common);
            out.extend_from_slice(name.as_bytes());
            out.extend_from_slice(data);
            directory.extend_from_slice(b"PK\x01\x02");
            directory.extend_from_slice(&0x031Eu16.to_le_bytes()); // made by Unix
            directory.extend_from_slice(&0x0014u16.to_le_bytes());
            directory.extend_from_slice(&common);
            directory.extend_from_slice(&[0; 6]); // comment, disk, internal
            directory.extend_from_slice(&(mode << 16).to_le_bytes());
            directory.extend_from_slice(&offset.to_le_bytes());
            directory.extend_from_slice(name.as_bytes());
        }
        let directory_at = out.len() as u32;
        out.extend_from_slice(&directory);
        out.extend_from_slice(b"PK\x05\x06\0\0\0\0");
        let n = members.len() as u16;
        out.extend_from_slice(&n.to_le_bytes());
        out.extend_from_slice(&n.to_le_bytes());
        out.extend_from_slice(&(directory.len() as u32).to_le_bytes());
        out.extend_from_slice(&directory_at.to_le_bytes());
        out.extend_from_slice(&0u16.to_le_bytes());
        out
    }

    #[test]
    fn files_folders_and_links_are_told_apart() {
        let zip = stored_zip(&[
            ("wijken/", b"", 0o040_755),
            ("wijken/a.shp", b"shape", 0o100_644),
            ("wijken/passwd", b"/etc/passwd", 0o120_777),
            ("fifo", b"", 0o010_644),
        ]);
        let members = list_members(&zip).unwrap();
        let kinds: Vec<_> = members.iter().map(|m| (m.name.as_str(), m.kind)).collect();
        assert_eq!(
            kinds,
            [
                ("wijken/", MemberKind::Folder),
                ("wijken/a.shp", MemberKind::File),
                ("wijken/passwd", MemberKind::SymbolicLink),
                ("fifo", MemberKind::Special),
            ]
        );
        assert_eq!(members[1].uncompressed_size, 5);
    }

    #[test]
    fn bytes_before_the_archive_or_a_cut_archive_are_refused() {
        let zip = stored_zip(&[("a.shp", b"shape", 0o100_644)]);
        let mut prefixed = b"junk".to_vec();
        prefixed.extend_from_slice(&zip);
        assert!(list_members(&prefixed).is_err());
        assert!(list_members(&zip[..zip.len() - 3]).is_err());
        assert!(list_members(b"PK\x03\x04").is_err());
    }
}
