import Foundation
import XCTest

/// A private network namespace (`ip netns`) with only its own loopback, where iptables can
/// break the network without touching the host's. Needs root; removed by `remove()`, by
/// deinit, and, if a test process died with one still there, by the next test run.
final class NetworkNamespace {
    let name: String
    private static let prefix = "cxv-test-"

    init() throws {
        guard getuid() == 0 else { throw XCTSkip("a network namespace needs root (ip netns, iptables)") }
        guard try Pipeline.sh("command -v ip && command -v iptables").status == 0 else {
            throw NetworkNamespaceError.missingTool("ip and iptables: `make deps` installs them")
        }
        NetworkNamespace.removeOrphans()
        name = "\(NetworkNamespace.prefix)\(getpid())-\(UInt16.random(in: 0...UInt16.max))"
        let made = try Pipeline.sh("ip netns add \(name) && ip netns exec \(name) ip link set lo up")
        if made.stderr.contains("Operation not permitted") {  // root without CAP_SYS_ADMIN: a container
            _ = try? Pipeline.sh("ip netns del \(name) 2>/dev/null")
            throw XCTSkip("ip netns add: \(made.stderr)")
        }
        guard made.status == 0 else { throw NetworkNamespaceError.failed("ip netns add \(name): \(made.stderr)") }
    }

    deinit { remove() }

    /// `command` run inside the namespace (its network, the host's files).
    func exec(_ command: String) -> String {
        "ip netns exec \(name) \(command)"
    }

    /// One iptables command inside the namespace, e.g. "-A INPUT -p tcp -j DROP".
    func iptables(_ arguments: String) throws {
        let r = try Pipeline.sh(exec("iptables -w \(arguments)"))
        guard r.status == 0 else { throw NetworkNamespaceError.failed("iptables \(arguments): \(r.stderr)") }
    }

    /// Kills whatever still runs in the namespace, then deletes it.
    func remove() {
        _ = try? Pipeline.sh("ip netns pids \(name) 2>/dev/null | xargs -r kill -9; ip netns del \(name) 2>/dev/null")
    }

    /// Namespaces left by a test process that is gone (killed before its teardown): only ours,
    /// by name, and only when the process that named them no longer exists.
    private static func removeOrphans() {
        guard let list = try? Pipeline.sh("ip netns list").lines else { return }
        for line in list {
            let name = String(line.split(separator: " ").first ?? "")
            guard name.hasPrefix(prefix), let pid = Int32(name.dropFirst(prefix.count).split(separator: "-").first ?? ""),
                  kill(pid, 0) != 0, errno == ESRCH else { continue }
            _ = try? Pipeline.sh("ip netns pids \(name) | xargs -r kill -9; ip netns del \(name)")
        }
    }
}

enum NetworkNamespaceError: Error {
    case missingTool(String)
    case failed(String)
}
