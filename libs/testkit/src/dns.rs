//! A DNS server on loopback whose answers the test decides: names that resolve to internal
//! addresses, or that change their answer between two lookups (rebinding), without any
//! traffic leaving the machine. Speaks plain DNS over UDP (A and AAAA queries).

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex};

use hickory_proto::op::{Message, MessageType, ResponseCode};
use hickory_proto::rr::rdata::{A, AAAA};
use hickory_proto::rr::{RData, Record, RecordType};
use tokio::net::UdpSocket;

type Records = Arc<Mutex<HashMap<String, Vec<IpAddr>>>>;

/// Answers from its own table; any other name is NXDOMAIN. Stops when dropped.
pub struct DnsServer {
    addr: SocketAddr,
    records: Records,
    asked: Arc<Mutex<Vec<String>>>,
    task: tokio::task::JoinHandle<()>,
}

impl DnsServer {
    /// Listens on 127.0.0.1 at a port of the system's choosing, kept for the server's life,
    /// and answers on the Tokio runtime it is started in.
    pub fn start() -> anyhow::Result<Self> {
        let socket = std::net::UdpSocket::bind("127.0.0.1:0")?;
        socket.set_nonblocking(true)?;
        let socket = UdpSocket::from_std(socket)?;
        let addr = socket.local_addr()?;
        let records: Records = Arc::default();
        let asked: Arc<Mutex<Vec<String>>> = Arc::default();
        let (table, log) = (records.clone(), asked.clone());
        let task = tokio::spawn(async move {
            let mut buf = vec![0u8; 4096];
            loop {
                let Ok((len, peer)) = socket.recv_from(&mut buf).await else {
                    return;
                };
                let Some(query) = buf.get(..len).and_then(|b| Message::from_vec(b).ok()) else {
                    continue;
                };
                if let Ok(mut log) = log.lock() {
                    log.extend(query.queries().iter().map(|q| q.name().to_ascii()));
                }
                if let Ok(answer) = reply(&query, &table).to_vec() {
                    let _ = socket.send_to(&answer, peer).await;
                }
            }
        });
        Ok(Self {
            addr,
            records,
            asked,
            task,
        })
    }

    /// `ip:port`, as `STRONGROOM_DNS_SERVERS` takes it.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Every name asked so far, in order (one entry per A or AAAA question).
    pub fn asked(&self) -> Vec<String> {
        self.asked.lock().map(|a| a.clone()).unwrap_or_default()
    }

    /// From now on `name` resolves to `addresses` (none: NXDOMAIN). `*.example.test`
    /// answers for every name below `example.test` without an entry of its own.
    pub fn set(&self, name: &str, addresses: &[IpAddr]) {
        let key = name.trim_end_matches('.').to_ascii_lowercase();
        if let Ok(mut records) = self.records.lock() {
            records.insert(key, addresses.to_vec());
        }
    }
}

impl Drop for DnsServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// `name`'s addresses: its own, else those set for `*.<suffix>` of its nearest suffix.
fn lookup(records: &Records, name: &str) -> Vec<IpAddr> {
    let Ok(records) = records.lock() else {
        return Vec::new();
    };
    let mut rest = name;
    if let Some(found) = records.get(rest) {
        return found.clone();
    }
    while let Some((_, suffix)) = rest.split_once('.') {
        if let Some(found) = records.get(&format!("*.{suffix}")) {
            return found.clone();
        }
        rest = suffix;
    }
    Vec::new()
}

fn reply(query: &Message, records: &Records) -> Message {
    let mut response = Message::new();
    response
        .set_id(query.id())
        .set_message_type(MessageType::Response)
        .set_op_code(query.op_code())
        .set_recursion_desired(query.recursion_desired())
        .set_recursion_available(true)
        .set_authoritative(true);
    let mut known = false;
    for q in query.queries() {
        response.add_query(q.clone());
        let name = q.name().to_ascii();
        let key = name.trim_end_matches('.').to_ascii_lowercase();
        let addresses = lookup(records, &key);
        known |= !addresses.is_empty();
        for ip in addresses {
            let rdata = match (ip, q.query_type()) {
                (IpAddr::V4(v4), RecordType::A) => RData::A(A(v4)),
                (IpAddr::V6(v6), RecordType::AAAA) => RData::AAAA(AAAA(v6)),
                _ => continue,
            };
            // TTL 0: a changed answer is seen by the next lookup.
            response.add_answer(Record::from_rdata(q.name().clone(), 0, rdata));
        }
    }
    if !known {
        response.set_response_code(ResponseCode::NXDomain);
    }
    response
}
