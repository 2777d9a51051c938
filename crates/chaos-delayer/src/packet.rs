//! The little of an IP packet the delayer reads: where the header ends (a
//! corrupted byte is always beyond it, as with netem, so the packet is still
//! routed and the damage is found by the transport's checksum) and, for a
//! duplicate's copy, the destination (IPv4 or IPv6).
//!
//! NFQUEUE hands over the packet from its network header on, IPv4 or IPv6.
//! An IPv6 header is taken as its fixed 40 bytes: a flipped byte in an
//! extension header is corruption all the same.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::ops::Range;

/// The bytes of `ip_packet` that may be corrupted: everything after the IP
/// header, or `None` when there is nothing there (or the packet is no IPv4
/// or IPv6 packet, or is truncated).
pub fn corruptible_range(ip_packet: &[u8]) -> Option<Range<usize>> {
    let header = header_len(ip_packet)?;
    (ip_packet.len() > header).then_some(header..ip_packet.len())
}

/// The length of the IP header, from the version nibble (IPv4: IHL * 4,
/// IPv6: 40).
pub fn header_len(ip_packet: &[u8]) -> Option<usize> {
    let first = *ip_packet.first()?;
    let len = match first >> 4 {
        4 => usize::from(first & 0x0f) * 4,
        6 => 40,
        _ => return None,
    };
    (len >= 20 && ip_packet.len() >= len).then_some(len)
}

/// Flips every bit of the byte at `at` (no-op past the end). A flipped byte
/// always changes the Internet checksum (its 16-bit word changes by an odd
/// multiple of 1 or 256, never by a multiple of 0xffff), so a TCP segment, or a
/// UDP datagram that carries a checksum, is then dropped by its receiver.
pub fn flip_byte(ip_packet: &mut [u8], at: usize) {
    if let Some(byte) = ip_packet.get_mut(at) {
        *byte ^= 0xff;
    }
}

/// The destination of an IPv4 or IPv6 packet, `None` for anything else
/// (or a truncated header).
pub fn destination(ip_packet: &[u8]) -> Option<IpAddr> {
    header_len(ip_packet)?;
    if ip_packet[0] >> 4 == 4 {
        let bytes: [u8; 4] = ip_packet.get(16..20)?.try_into().ok()?;
        Some(IpAddr::V4(Ipv4Addr::from(bytes)))
    } else {
        let bytes: [u8; 16] = ip_packet.get(24..40)?.try_into().ok()?;
        Some(IpAddr::V6(Ipv6Addr::from(bytes)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ipv4(ihl: u8, total: usize) -> Vec<u8> {
        let mut p = vec![0u8; total];
        p[0] = 0x40 | ihl;
        p[16..20].copy_from_slice(&[127, 0, 0, 9]);
        p
    }

    #[test]
    fn headers() {
        assert_eq!(header_len(&ipv4(5, 60)), Some(20));
        assert_eq!(header_len(&ipv4(6, 60)), Some(24));
        assert_eq!(header_len(&ipv4(15, 60)), Some(60));
        assert_eq!(header_len(&ipv4(15, 59)), None);
        assert_eq!(header_len(&ipv4(4, 60)), None, "IHL below 5");
        let mut v6 = vec![0u8; 48];
        v6[0] = 0x60;
        assert_eq!(header_len(&v6), Some(40));
        assert_eq!(header_len(&v6[..39]), None);
        assert_eq!(header_len(&[]), None);
        assert_eq!(header_len(&[0x20; 40]), None);
    }

    #[test]
    fn corruptible_bytes_are_beyond_the_header() {
        assert_eq!(corruptible_range(&ipv4(5, 60)), Some(20..60));
        assert_eq!(corruptible_range(&ipv4(6, 25)), Some(24..25));
        assert_eq!(corruptible_range(&ipv4(5, 20)), None);
    }

    #[test]
    fn flip_changes_one_byte_and_the_checksum() {
        let mut p = ipv4(5, 40);
        for (i, b) in p.iter_mut().enumerate().skip(20) {
            *b = i as u8;
        }
        let before = p.clone();
        flip_byte(&mut p, 30);
        let changed: Vec<usize> = (0..40).filter(|&i| p[i] != before[i]).collect();
        assert_eq!(changed, vec![30]);
        assert_eq!(p[30], !before[30]);
        assert_ne!(
            internet_checksum(&p[20..]),
            internet_checksum(&before[20..])
        );
        flip_byte(&mut p, 400);
        flip_byte(&mut p, 30);
        assert_eq!(p, before);
    }

    #[test]
    fn every_single_byte_flip_changes_the_checksum() {
        let data: Vec<u8> = (0..64u32).map(|i| (i * 37 % 251) as u8).collect();
        let sum = internet_checksum(&data);
        for at in 0..data.len() {
            let mut d = data.clone();
            flip_byte(&mut d, at);
            assert_ne!(internet_checksum(&d), sum, "byte {at}");
        }
    }

    fn internet_checksum(data: &[u8]) -> u16 {
        let mut sum: u32 = data
            .chunks(2)
            .map(|c| u32::from(u16::from_be_bytes([c[0], *c.get(1).unwrap_or(&0)])))
            .sum();
        while sum > 0xffff {
            sum = (sum & 0xffff) + (sum >> 16);
        }
        !(sum as u16)
    }

    #[test]
    fn destinations() {
        assert_eq!(
            destination(&ipv4(5, 20)),
            Some(IpAddr::V4(Ipv4Addr::new(127, 0, 0, 9)))
        );
        let mut v6 = vec![0u8; 48];
        v6[0] = 0x60;
        v6[8..24].copy_from_slice(&Ipv6Addr::LOCALHOST.octets());
        let to: Ipv6Addr = "fd00:cafe::2".parse().unwrap();
        v6[24..40].copy_from_slice(&to.octets());
        assert_eq!(destination(&v6), Some(IpAddr::V6(to)));
        assert_eq!(destination(&v6[..39]), None);
        assert_eq!(destination(&[0x45; 10]), None);
        assert_eq!(destination(&[0x20; 40]), None);
    }
}
