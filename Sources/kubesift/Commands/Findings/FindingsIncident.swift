import ArgumentParser

extension KubeSift.Findings {
    struct Incident: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "incident", abstract: "Mark a finding a security incident, handled under the incident response plan.")

        @OptionGroup var disposition: DispositionOptions

        func run() throws { try disposition.record(.incident) }
    }
}
