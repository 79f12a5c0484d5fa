#if canImport(Glibc)
import Glibc
#endif
import Synchronization

/// The controlling terminal: raw mode and the alternate screen while
/// `mptcp-top` runs, restored on quit, on Ctrl-C and SIGTERM, and on errors.
public final class Terminal {
    private var saved = termios()
    private var active = false

    /// Set by the signal handlers, read by the main loop.
    static let resized = Atomic<Bool>(false)
    static let interrupted = Atomic<Bool>(false)

    public init() {}

    public static var isInteractive: Bool { isatty(STDOUT_FILENO) == 1 && isatty(STDIN_FILENO) == 1 }

    /// `tcgetattr`, then `tcsetattr` without ICANON and ECHO (ISIG kept, so
    /// Ctrl-C arrives as SIGINT and is handled); alternate screen, hidden cursor.
    public func enter() throws(TerminalError) {
        guard tcgetattr(STDIN_FILENO, &saved) == 0 else { throw TerminalError("tcgetattr: errno \(errno)") }
        var raw = saved
        raw.c_lflag &= ~tcflag_t(ICANON | ECHO | IEXTEN)
        raw.c_iflag &= ~tcflag_t(IXON | ICRNL)
        withUnsafeMutableBytes(of: &raw.c_cc) { bytes in
            bytes[Int(VMIN)] = 0
            bytes[Int(VTIME)] = 0
        }
        guard tcsetattr(STDIN_FILENO, TCSANOW, &raw) == 0 else { throw TerminalError("tcsetattr: errno \(errno)") }
        active = true
        signal(SIGWINCH) { _ in Terminal.resized.store(true, ordering: .relaxed) }
        signal(SIGINT) { _ in Terminal.interrupted.store(true, ordering: .relaxed) }
        signal(SIGTERM) { _ in Terminal.interrupted.store(true, ordering: .relaxed) }
        write("\u{1B}[?1049h\u{1B}[?25l\u{1B}[2J")
    }

    /// Restores the saved mode and the main screen. Safe to call twice.
    public func restore() {
        guard active else { return }
        active = false
        write("\u{1B}[0m\u{1B}[?25h\u{1B}[?1049l")
        _ = tcsetattr(STDIN_FILENO, TCSANOW, &saved)
    }

    deinit { restore() }

    /// Columns and rows (`ioctl(TIOCGWINSZ)`), 80×24 when unknown.
    public static func size() -> (width: Int, height: Int) {
        var size = winsize()
        if ioctl(STDOUT_FILENO, UInt(TIOCGWINSZ), &size) == 0, size.ws_col > 0, size.ws_row > 0 {
            return (Int(size.ws_col), Int(size.ws_row))
        }
        return (80, 24)
    }

    public func write(_ text: String) {
        var bytes = Array(text.utf8)
        var offset = 0
        while offset < bytes.count {
            let wrote = bytes.withUnsafeMutableBytes { Glibc.write(STDOUT_FILENO, $0.baseAddress.map { $0 + offset }, $0.count - offset) }
            if wrote < 0, errno == EINTR { continue }
            if wrote <= 0 { return }
            offset += wrote
        }
    }

    /// Waits up to `timeout` seconds for input and decodes the keys read.
    public func readKeys(timeout: Double) -> [TopState.Key] {
        var descriptor = pollfd(fd: STDIN_FILENO, events: Int16(POLLIN), revents: 0)
        let ready = poll(&descriptor, 1, Int32(max(0, min(timeout, 60)) * 1000))
        guard ready > 0 else { return [] }
        var buffer = [UInt8](repeating: 0, count: 64)
        let count = buffer.withUnsafeMutableBytes { read(STDIN_FILENO, $0.baseAddress, $0.count) }
        guard count > 0 else { return [] }
        return KeyDecoder.decode(Array(buffer[0..<count]))
    }
}

public struct TerminalError: Error, CustomStringConvertible {
    public var description: String
    init(_ description: String) { self.description = description }
}

/// Bytes from the terminal to keys (arrows and pages as VT100 sequences).
public enum KeyDecoder {
    public static func decode(_ bytes: [UInt8]) -> [TopState.Key] {
        var keys: [TopState.Key] = []
        var index = 0
        while index < bytes.count {
            let byte = bytes[index]
            if byte == 0x1B {
                if index + 2 < bytes.count, bytes[index + 1] == UInt8(ascii: "[") || bytes[index + 1] == UInt8(ascii: "O") {
                    let code = bytes[index + 2]
                    switch code {
                    case UInt8(ascii: "A"): keys.append(.up); index += 3; continue
                    case UInt8(ascii: "B"): keys.append(.down); index += 3; continue
                    case UInt8(ascii: "H"): keys.append(.home); index += 3; continue
                    case UInt8(ascii: "F"): keys.append(.end); index += 3; continue
                    case UInt8(ascii: "5"), UInt8(ascii: "6"):
                        keys.append(code == UInt8(ascii: "5") ? .pageUp : .pageDown)
                        index += index + 3 < bytes.count && bytes[index + 3] == UInt8(ascii: "~") ? 4 : 3
                        continue
                    default:
                        // Unknown sequence: skip to its final byte.
                        var end = index + 2
                        while end < bytes.count, !(0x40...0x7E).contains(bytes[end]) { end += 1 }
                        index = end + 1
                        continue
                    }
                }
                keys.append(.escape)
                index += 1
                continue
            }
            switch byte {
            case 0x0D, 0x0A: keys.append(.enter)
            case 0x09: keys.append(.tab)
            case 0x7F, 0x08: keys.append(.backspace)
            default:
                if byte >= 0x20, byte < 0x7F { keys.append(.character(Character(Unicode.Scalar(byte)))) }
            }
            index += 1
        }
        return keys
    }
}
