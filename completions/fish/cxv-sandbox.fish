function __cxv-sandbox_should_offer_completions_for_flags_or_options -a expected_commands
    set -l non_repeating_flags_or_options $argv[2..]
    set -l non_repeating_flags_or_options_absent 0
    set -l positional_index 0
    set -l commands
    __cxv-sandbox_parse_tokens
    test "$commands" = "$expected_commands"; and return $non_repeating_flags_or_options_absent
end

function __cxv-sandbox_should_offer_completions_for_positional -a expected_commands positional_index_comparison expected_positional_index
    set -l non_repeating_flags_or_options
    set -l non_repeating_flags_or_options_absent 0
    set -l positional_index 0
    set -l commands
    __cxv-sandbox_parse_tokens
    test "$commands" = "$expected_commands" -a \( "$positional_index" "$positional_index_comparison" "$expected_positional_index" \)
end

function __cxv-sandbox_parse_tokens -S
    set -l unparsed_tokens (__cxv-sandbox_tokens -pc)
    switch $unparsed_tokens[1]
    case 'cxv-sandbox'
        __cxv-sandbox_parse_subcommand 0 'host=' 'port=' 'client-id=' 'client-secret=' 'access-key-id=' 'access-key-secret=' 'tenant-id=' 'token-ttl=' 'max-body=' 'list=+' 'tenant-capacity=' 'job-time=' 'partial' 'seed=' 'throttle=' 'fail-rate=' 'drop-rate=' 'reset-rate=' 'reset-response-rate=' 'latency=' 'job-fail-rate=' 'misbehave=' 'tls-cert=' 'tls-key=' 'verbose' 'version' 'h/help'
        switch $unparsed_tokens[1]
        case 'help'
            __cxv-sandbox_parse_subcommand -r 1 'version'
        end
    end
end

function __cxv-sandbox_tokens
    if test (string split -m 1 -f 1 -- . "$FISH_VERSION") -gt 3
        commandline --tokens-raw $argv
    else
        commandline -o $argv
    end
end

function __cxv-sandbox_parse_subcommand -S -a positional_count
    argparse -s r -- $argv
    set -l option_specs $argv[2..]
    set -l is_repeating_positional $_flag_r
    set -el _flag_r
    set -a commands $unparsed_tokens[1]
    set positional_index 0
    while true
        set -e unparsed_tokens[1]
        argparse -sn "$commands" $option_specs -- $unparsed_tokens 2> /dev/null
        set unparsed_tokens $argv
        set positional_index (math $positional_index + 1)
        for non_repeating_flag_or_option in $non_repeating_flags_or_options
            if set -ql "_flag_$(string replace -a - _ -- $non_repeating_flag_or_option)"
                set non_repeating_flags_or_options_absent 1
                break
            end
        end
        test (count $unparsed_tokens) -eq 0 -o \( -z "$is_repeating_positional" -a "$positional_index" -gt "$positional_count" \) && break
    end
end

function __cxv-sandbox_complete_directories
    set -l token (commandline -t)
    string match -- '*/' $token
    set -l subdirs $token*/
    printf %s\n $subdirs
end

function __cxv-sandbox_custom_completion
    set -x SAP_SHELL fish
    set -x SAP_SHELL_VERSION $FISH_VERSION
    set -l tokens (__cxv-sandbox_tokens -p)
    if test -z "$(__cxv-sandbox_tokens -t)"
        set -l index (count (__cxv-sandbox_tokens -pc))
        set tokens $tokens[..$index] \'\' $tokens[(math $index + 1)..]
    end
    command $tokens[1] $argv $tokens
end

complete -c 'cxv-sandbox' -f
complete -c 'cxv-sandbox' -n '__cxv-sandbox_should_offer_completions_for_flags_or_options "cxv-sandbox" host' -l 'host' -d 'Address to listen on.' -rfka ''
complete -c 'cxv-sandbox' -n '__cxv-sandbox_should_offer_completions_for_flags_or_options "cxv-sandbox" port' -l 'port' -d 'Port to listen on; 0 lets the OS pick one.' -rfka ''
complete -c 'cxv-sandbox' -n '__cxv-sandbox_should_offer_completions_for_flags_or_options "cxv-sandbox" client-id' -l 'client-id' -d 'The client id the token endpoint accepts.' -rfka ''
complete -c 'cxv-sandbox' -n '__cxv-sandbox_should_offer_completions_for_flags_or_options "cxv-sandbox" client-secret' -l 'client-secret' -d 'The client secret the token endpoint accepts (default: $CXONE_CLIENT_SECRET, else cxv-demo-secret).' -rfka ''
complete -c 'cxv-sandbox' -n '__cxv-sandbox_should_offer_completions_for_flags_or_options "cxv-sandbox" access-key-id' -l 'access-key-id' -d 'The access key id CXone\'s sign-in accepts.' -rfka ''
complete -c 'cxv-sandbox' -n '__cxv-sandbox_should_offer_completions_for_flags_or_options "cxv-sandbox" access-key-secret' -l 'access-key-secret' -d 'The access key secret CXone\'s sign-in accepts (default: $CXONE_ACCESS_KEY_SECRET, else cxv-demo-key-secret).' -rfka ''
complete -c 'cxv-sandbox' -n '__cxv-sandbox_should_offer_completions_for_flags_or_options "cxv-sandbox" tenant-id' -l 'tenant-id' -d 'The tenant CXone\'s tokens name and discovery knows.' -rfka ''
complete -c 'cxv-sandbox' -n '__cxv-sandbox_should_offer_completions_for_flags_or_options "cxv-sandbox" token-ttl' -l 'token-ttl' -d 'How long an issued token lasts, from either sign-in.' -rfka ''
complete -c 'cxv-sandbox' -n '__cxv-sandbox_should_offer_completions_for_flags_or_options "cxv-sandbox" max-body' -l 'max-body' -d 'Refuse contacts-import bodies (as sent) larger than this many bytes with 413; call-list files have CXone\'s limits.' -rfka ''
complete -c 'cxv-sandbox' -n '__cxv-sandbox_should_offer_completions_for_flags_or_options "cxv-sandbox"' -l 'list' -d 'A calling list that exists; repeat for more.' -rfka ''
complete -c 'cxv-sandbox' -n '__cxv-sandbox_should_offer_completions_for_flags_or_options "cxv-sandbox" tenant-capacity' -l 'tenant-capacity' -d 'The most records all calling lists together may hold, with those of jobs not yet complete.' -rfka ''
complete -c 'cxv-sandbox' -n '__cxv-sandbox_should_offer_completions_for_flags_or_options "cxv-sandbox" job-time' -l 'job-time' -d 'How long a job takes to finish; 0 finishes it at once.' -rfka ''
complete -c 'cxv-sandbox' -n '__cxv-sandbox_should_offer_completions_for_flags_or_options "cxv-sandbox" partial' -l 'partial' -d 'Complete jobs with bad rows, storing the good ones, instead of failing them whole.'
complete -c 'cxv-sandbox' -n '__cxv-sandbox_should_offer_completions_for_flags_or_options "cxv-sandbox" seed' -l 'seed' -d 'Seed the fault generators, so a run\'s faults can be replayed.' -rfka ''
complete -c 'cxv-sandbox' -n '__cxv-sandbox_should_offer_completions_for_flags_or_options "cxv-sandbox" throttle' -l 'throttle' -d 'Answer 429 beyond this many requests in any rolling second (Retry-After: 1 on the tutorial\'s routes, none on CXone\'s).' -rfka ''
complete -c 'cxv-sandbox' -n '__cxv-sandbox_should_offer_completions_for_flags_or_options "cxv-sandbox" fail-rate' -l 'fail-rate' -d 'Probability of answering 503 instead of handling a request.' -rfka ''
complete -c 'cxv-sandbox' -n '__cxv-sandbox_should_offer_completions_for_flags_or_options "cxv-sandbox" drop-rate' -l 'drop-rate' -d 'Probability of handling a request, then closing its connection with no answer.' -rfka ''
complete -c 'cxv-sandbox' -n '__cxv-sandbox_should_offer_completions_for_flags_or_options "cxv-sandbox" reset-rate' -l 'reset-rate' -d 'Probability of resetting a request\'s connection (TCP RST) after reading at most the first piece of its body; the request never takes effect.' -rfka ''
complete -c 'cxv-sandbox' -n '__cxv-sandbox_should_offer_completions_for_flags_or_options "cxv-sandbox" reset-response-rate' -l 'reset-response-rate' -d 'Probability of handling a request, then resetting its connection after sending the answer\'s head and half its body.' -rfka ''
complete -c 'cxv-sandbox' -n '__cxv-sandbox_should_offer_completions_for_flags_or_options "cxv-sandbox" latency' -l 'latency' -d 'Delay added to every answer, after the request has taken effect.' -rfka ''
complete -c 'cxv-sandbox' -n '__cxv-sandbox_should_offer_completions_for_flags_or_options "cxv-sandbox" job-fail-rate' -l 'job-fail-rate' -d 'Probability that a job which would complete fails with a transient error instead (a call-list job is cancelled).' -rfka ''
complete -c 'cxv-sandbox' -n '__cxv-sandbox_should_offer_completions_for_flags_or_options "cxv-sandbox" misbehave' -l 'misbehave' -d 'Break the contacts-import API\'s contract in one way, for tests of the client: malformed-json, no-job-id, unknown-status, html-error, endless-body, trickle, phantom-job. The request still takes effect; only its answer is wrong.' -rfka 'malformed-json no-job-id unknown-status html-error endless-body trickle phantom-job'
complete -c 'cxv-sandbox' -n '__cxv-sandbox_should_offer_completions_for_flags_or_options "cxv-sandbox" tls-cert' -l 'tls-cert' -d 'Serve https with this certificate chain (PEM); needs --tls-key.' -rF
complete -c 'cxv-sandbox' -n '__cxv-sandbox_should_offer_completions_for_flags_or_options "cxv-sandbox" tls-key' -l 'tls-key' -d 'The private key (PEM) of --tls-cert.' -rF
complete -c 'cxv-sandbox' -n '__cxv-sandbox_should_offer_completions_for_flags_or_options "cxv-sandbox" verbose' -l 'verbose' -d 'Log each request on stderr.'
complete -c 'cxv-sandbox' -n '__cxv-sandbox_should_offer_completions_for_flags_or_options "cxv-sandbox" version' -l 'version' -d 'Show the version.'
complete -c 'cxv-sandbox' -n '__cxv-sandbox_should_offer_completions_for_flags_or_options "cxv-sandbox" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'cxv-sandbox' -n '__cxv-sandbox_should_offer_completions_for_positional "cxv-sandbox" -eq 1' -fa 'help' -d 'Show subcommand help information.'
complete -c 'cxv-sandbox' -n '__cxv-sandbox_should_offer_completions_for_flags_or_options "cxv-sandbox help" version' -l 'version' -d 'Show the version.'
