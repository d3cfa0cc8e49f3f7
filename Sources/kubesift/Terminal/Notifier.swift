import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import KubeSiftCore
import Logging

/// Posts a run's summary to `--notify`: a timeout per attempt, three attempts, and a warning when
/// every one fails. A notification never changes the run's exit code: the report and the state are
/// already written.
struct Notifier {
    var url: URL
    var timeout: Double
    var attempts = 3
    /// Between attempts; doubled each time.
    var backoff = 1.0

    /// Returns whether the endpoint accepted it (a 2xx answer).
    @discardableResult
    func post(_ body: [UInt8], logger: Logger) -> Bool {
        var request = URLRequest(url: url, cachePolicy: .reloadIgnoringLocalCacheData, timeoutInterval: timeout)
        request.httpMethod = "POST"
        request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        request.setValue("kubesift/\(KubeSiftVersion.current)", forHTTPHeaderField: "User-Agent")
        request.httpBody = Data(body)
        let configuration = URLSessionConfiguration.ephemeral
        configuration.timeoutIntervalForRequest = timeout
        configuration.timeoutIntervalForResource = timeout
        let session = URLSession(configuration: configuration)
        defer { session.invalidateAndCancel() }
        var problem = ""
        for attempt in 1...attempts {
            let outcome = Self.send(request, session: session)
            if case let .success(status) = outcome, (200..<300).contains(status) { return true }
            switch outcome {
            case let .success(status): problem = "HTTP \(status)"
            case let .failure(message): problem = message
            }
            if attempt < attempts { Thread.sleep(forTimeInterval: backoff * Double(1 << (attempt - 1))) }
        }
        logger.warning("--notify \(Self.redacted(url)): not delivered after \(attempts) attempts (\(problem)); the report and the state are written")
        return false
    }

    private enum Outcome {
        case success(Int)
        case failure(String)
    }

    private static func send(_ request: URLRequest, session: URLSession) -> Outcome {
        let done = DispatchSemaphore(value: 0)
        let outcome = LockedOutcome()
        session.dataTask(with: request) { _, response, error in
            if let error {
                outcome.set(.failure(error.localizedDescription))
            } else {
                outcome.set(.success((response as? HTTPURLResponse)?.statusCode ?? 0))
            }
            done.signal()
        }.resume()
        done.wait()
        return outcome.get() ?? .failure("no answer")
    }

    /// The URL without its path and query, which often hold a webhook's secret token.
    static func redacted(_ url: URL) -> String {
        "\(url.scheme ?? "http")://\(url.host ?? "")\(url.port.map { ":\($0)" } ?? "")/…"
    }

    private final class LockedOutcome: @unchecked Sendable {
        private let lock = NSLock()
        private var value: Outcome?
        func set(_ outcome: Outcome) { lock.withLock { value = outcome } }
        func get() -> Outcome? { lock.withLock { value } }
    }
}
