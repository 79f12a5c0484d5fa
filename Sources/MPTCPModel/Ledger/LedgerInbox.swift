import MPTCPWire

/// What the receiving threads hand to the next scrape: the destroy
/// notifications of MPTCP subflows and the path-manager events, in arrival
/// order. Kept behind a lock by the kernel layer; every method is short.
///
/// Every TCP socket of the namespace is reported when it is destroyed, most
/// of them not MPTCP. A notification is kept only when its cookie was in the
/// last dump (an MPTCP subflow seen by a scrape) or its four-tuple was named
/// by a path-manager event (an MPTCP subflow that lived between two
/// scrapes); the others are counted and dropped at once, so memory does not
/// grow with plain-TCP churn.
public struct LedgerInbox: Sendable {
    /// Cookies of the subflows of the last dump.
    public private(set) var knownCookies: Set<UInt64> = []
    /// Four-tuples named by path-manager events and not yet destroyed, with
    /// the connections that named them: a port freed by an aborted subflow
    /// can be taken by another connection's subflow before the first socket
    /// is freed, so one four-tuple may stand for two sockets for a while.
    public private(set) var knownTuples: [SubflowTuple: Set<UInt32>] = [:]
    public private(set) var closes: [SubflowClose] = []
    public private(set) var events: [PathManagerEvent] = []
    /// Notifications of sockets that were not MPTCP subflows (dropped).
    public private(set) var otherSockets: UInt64 = 0
    /// Notifications of MPTCP subflows kept.
    public private(set) var subflowNotifications: UInt64 = 0
    /// Kept notifications and events dropped because the inbox was full.
    public private(set) var overflow: UInt64 = 0
    /// `ENOBUFS` on the notification socket: notifications the kernel dropped.
    public var lost: UInt64 = 0
    /// Malformed notification messages.
    public var malformed: UInt64 = 0
    /// Bound on `closes` and on `events` (and on `knownTuples`).
    public let capacity: Int

    public init(capacity: Int = 200_000) {
        self.capacity = capacity
    }

    /// Whether a notification with this cookie and four-tuple is of an
    /// MPTCP subflow (to be decoded and offered); counts the others.
    public mutating func admits(cookie: UInt64, tuple: SubflowTuple) -> Bool {
        if knownCookies.contains(cookie) || knownTuples[tuple] != nil { return true }
        otherSockets &+= 1
        return false
    }

    /// A destroy notification: kept if it was an MPTCP subflow.
    public mutating func offer(_ close: SubflowClose) {
        // The four-tuple is forgotten either way: its socket is gone.
        var named = false
        if var tokens = knownTuples[close.tuple], let any = tokens.first {
            named = true
            tokens.remove(any)
            knownTuples[close.tuple] = tokens.isEmpty ? nil : tokens
        }
        if knownCookies.contains(close.cookie) || named {
            subflowNotifications &+= 1
            guard closes.count < capacity else { overflow &+= 1; return }
            closes.append(close)
        } else {
            otherSockets &+= 1
        }
    }

    /// Path-manager events: the four-tuples of subflows they name are
    /// remembered so that their destroy notifications are kept.
    public mutating func offer(_ new: [PathManagerEvent]) {
        for event in new {
            switch event.kind {
            case .created, .established, .subflowEstablished:
                if let tuple = SubflowTuple(event), let token = event.token, knownTuples.count < capacity {
                    knownTuples[tuple, default: []].insert(token)
                }
            default:
                break
            }
            guard events.count < capacity else { overflow &+= 1; continue }
            events.append(event)
        }
    }

    /// Replaces the cookies of MPTCP subflows with those of the latest dump.
    public mutating func learn(cookies: Set<UInt64>) {
        knownCookies = cookies
    }

    /// Forgets four-tuples whose connection is over (their notification
    /// was lost, or never comes because the socket was never freed here).
    public mutating func forget(_ subflows: some Sequence<(tuple: SubflowTuple, token: UInt32)>) {
        for (tuple, token) in subflows {
            guard var tokens = knownTuples[tuple] else { continue }
            tokens.remove(token)
            knownTuples[tuple] = tokens.isEmpty ? nil : tokens
        }
    }

    /// Takes what arrived since the last drain.
    public mutating func drain() -> (closes: [SubflowClose], events: [PathManagerEvent]) {
        defer {
            closes.removeAll(keepingCapacity: closes.capacity <= 4096)
            events.removeAll(keepingCapacity: events.capacity <= 4096)
        }
        return (closes, events)
    }
}
