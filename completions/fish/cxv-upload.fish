function __cxv-upload_should_offer_completions_for_flags_or_options -a expected_commands
    set -l non_repeating_flags_or_options $argv[2..]
    set -l non_repeating_flags_or_options_absent 0
    set -l positional_index 0
    set -l commands
    __cxv-upload_parse_tokens
    test "$commands" = "$expected_commands"; and return $non_repeating_flags_or_options_absent
end

function __cxv-upload_should_offer_completions_for_positional -a expected_commands positional_index_comparison expected_positional_index
    set -l non_repeating_flags_or_options
    set -l non_repeating_flags_or_options_absent 0
    set -l positional_index 0
    set -l commands
    __cxv-upload_parse_tokens
    test "$commands" = "$expected_commands" -a \( "$positional_index" "$positional_index_comparison" "$expected_positional_index" \)
end

function __cxv-upload_parse_tokens -S
    set -l unparsed_tokens (__cxv-upload_tokens -pc)
    switch $unparsed_tokens[1]
    case 'cxv-upload'
        __cxv-upload_parse_subcommand -r 1 'concurrency=' 'journal=' 'dry-run' 'base-url=' 'token-url=' 'tenant=' 'client-id=' 'client-secret-file=' 'access-key-id=' 'access-key-secret-file=' 'auth-url=' 'discovery-url=' 'api-version=' 'cacert=' 'allow-http' 'max-attempts=' 'request-timeout=' 'list-id=' 'force-overwrite' 'expiration-date=' 'start-skill' 'send-email' 'skill-id=' 'default-time-zone=' 'skip-invalid' 'max-line-bytes=' 'o/output=' 'log-level=' 'log-format=' 'q/quiet' 'progress' 'no-progress' 'version' 'h/help'
        switch $unparsed_tokens[1]
        case 'help'
            __cxv-upload_parse_subcommand -r 1 'version'
        end
    end
end

function __cxv-upload_tokens
    if test (string split -m 1 -f 1 -- . "$FISH_VERSION") -gt 3
        commandline --tokens-raw $argv
    else
        commandline -o $argv
    end
end

function __cxv-upload_parse_subcommand -S -a positional_count
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

function __cxv-upload_complete_directories
    set -l token (commandline -t)
    string match -- '*/' $token
    set -l subdirs $token*/
    printf %s\n $subdirs
end

function __cxv-upload_custom_completion
    set -x SAP_SHELL fish
    set -x SAP_SHELL_VERSION $FISH_VERSION
    set -l tokens (__cxv-upload_tokens -p)
    if test -z "$(__cxv-upload_tokens -t)"
        set -l index (count (__cxv-upload_tokens -pc))
        set tokens $tokens[..$index] \'\' $tokens[(math $index + 1)..]
    end
    command $tokens[1] $argv $tokens
end

complete -c 'cxv-upload' -f
complete -c 'cxv-upload' -n '__cxv-upload_should_offer_completions_for_flags_or_options "cxv-upload" concurrency' -l 'concurrency' -d 'Uploads in flight at most.' -rfka ''
complete -c 'cxv-upload' -n '__cxv-upload_should_offer_completions_for_flags_or_options "cxv-upload" journal' -l 'journal' -d 'Record created jobs here, and skip chunks it already holds.' -rF
complete -c 'cxv-upload' -n '__cxv-upload_should_offer_completions_for_flags_or_options "cxv-upload" dry-run' -l 'dry-run' -d 'Describe the requests on stderr and send nothing.'
complete -c 'cxv-upload' -n '__cxv-upload_should_offer_completions_for_flags_or_options "cxv-upload" base-url' -l 'base-url' -d 'API address (default: $CXONE_BASE_URL, else https://$CXONE_TENANT.api.nice-incontact.com). Under call-lists: the tenant\'s API endpoint, which skips discovery.' -rfka ''
complete -c 'cxv-upload' -n '__cxv-upload_should_offer_completions_for_flags_or_options "cxv-upload" token-url' -l 'token-url' -d 'Token endpoint (default: $CXONE_TOKEN_URL, else BASE-URL/oauth/token; under call-lists AUTH-URL/authentication/v1/token/access-key).' -rfka ''
complete -c 'cxv-upload' -n '__cxv-upload_should_offer_completions_for_flags_or_options "cxv-upload" tenant' -l 'tenant' -d 'CXone tenant (default: $CXONE_TENANT).' -rfka ''
complete -c 'cxv-upload' -n '__cxv-upload_should_offer_completions_for_flags_or_options "cxv-upload" client-id' -l 'client-id' -d 'OAuth client id (default: $CXONE_CLIENT_ID).' -rfka ''
complete -c 'cxv-upload' -n '__cxv-upload_should_offer_completions_for_flags_or_options "cxv-upload" client-secret-file' -l 'client-secret-file' -d 'Read the client secret from this file (default: $CXONE_CLIENT_SECRET).' -rF
complete -c 'cxv-upload' -n '__cxv-upload_should_offer_completions_for_flags_or_options "cxv-upload" access-key-id' -l 'access-key-id' -d 'Call-lists: CXone access key id (default: $CXONE_ACCESS_KEY_ID).' -rfka ''
complete -c 'cxv-upload' -n '__cxv-upload_should_offer_completions_for_flags_or_options "cxv-upload" access-key-secret-file' -l 'access-key-secret-file' -d 'Call-lists: read the access key secret from this file (default: $CXONE_ACCESS_KEY_SECRET).' -rF
complete -c 'cxv-upload' -n '__cxv-upload_should_offer_completions_for_flags_or_options "cxv-upload" auth-url' -l 'auth-url' -d 'Call-lists: where to sign in (default: $CXONE_AUTH_URL, else https://na1.nice-incontact.com).' -rfka ''
complete -c 'cxv-upload' -n '__cxv-upload_should_offer_completions_for_flags_or_options "cxv-upload" discovery-url' -l 'discovery-url' -d 'Call-lists: where to look up the tenant\'s API endpoint when no base URL is set (default: $CXONE_DISCOVERY_URL, else https://cxone.niceincontact.com).' -rfka ''
complete -c 'cxv-upload' -n '__cxv-upload_should_offer_completions_for_flags_or_options "cxv-upload" api-version' -l 'api-version' -d 'Call-lists: Admin API version (default: $CXONE_API_VERSION, else v30.0).' -rfka ''
complete -c 'cxv-upload' -n '__cxv-upload_should_offer_completions_for_flags_or_options "cxv-upload" cacert' -l 'cacert' -d 'Trust the CA certificates in this PEM file.' -rF
complete -c 'cxv-upload' -n '__cxv-upload_should_offer_completions_for_flags_or_options "cxv-upload" allow-http' -l 'allow-http' -d 'Allow plain http to hosts other than loopback.'
complete -c 'cxv-upload' -n '__cxv-upload_should_offer_completions_for_flags_or_options "cxv-upload" max-attempts' -l 'max-attempts' -d 'Give up on a request after this many attempts.' -rfka ''
complete -c 'cxv-upload' -n '__cxv-upload_should_offer_completions_for_flags_or_options "cxv-upload" request-timeout' -l 'request-timeout' -d 'Wait at most this long for one answer (e.g. 60s); a body that stops coming part-way is cut once nothing has come for as long.' -rfka ''
complete -c 'cxv-upload' -n '__cxv-upload_should_offer_completions_for_flags_or_options "cxv-upload" list-id' -l 'list-id' -d 'Call-lists: the calling list to load, which must exist in CXone with a field mapping for the file\'s columns (default: $CXONE_LIST_ID).' -rfka ''
complete -c 'cxv-upload' -n '__cxv-upload_should_offer_completions_for_flags_or_options "cxv-upload" force-overwrite' -l 'force-overwrite' -d 'Call-lists: replace the list\'s records instead of adding to them (forceOverwrite).'
complete -c 'cxv-upload' -n '__cxv-upload_should_offer_completions_for_flags_or_options "cxv-upload" expiration-date' -l 'expiration-date' -d 'Call-lists: when the records expire, an ISO-8601 date or time (default: 30 days from now, as long as CXone keeps inventory).' -rfka ''
complete -c 'cxv-upload' -n '__cxv-upload_should_offer_completions_for_flags_or_options "cxv-upload" start-skill' -l 'start-skill' -d 'Call-lists: start the list\'s skill once the upload completes (startSkill).'
complete -c 'cxv-upload' -n '__cxv-upload_should_offer_completions_for_flags_or_options "cxv-upload" send-email' -l 'send-email' -d 'Call-lists: have CXone e-mail the upload\'s result (sendEmail).'
complete -c 'cxv-upload' -n '__cxv-upload_should_offer_completions_for_flags_or_options "cxv-upload" skill-id' -l 'skill-id' -d 'Call-lists: the skill to load the records into (skillId).' -rfka ''
complete -c 'cxv-upload' -n '__cxv-upload_should_offer_completions_for_flags_or_options "cxv-upload" default-time-zone' -l 'default-time-zone' -d 'Call-lists: time zone of records that name none (defaultTimeZone).' -rfka ''
complete -c 'cxv-upload' -n '__cxv-upload_should_offer_completions_for_flags_or_options "cxv-upload" skip-invalid' -l 'skip-invalid' -d 'Turn input lines that are not JSON records into rejects instead of stopping with status 65.'
complete -c 'cxv-upload' -n '__cxv-upload_should_offer_completions_for_flags_or_options "cxv-upload" max-line-bytes' -l 'max-line-bytes' -d 'Refuse input lines longer than this many bytes.' -rfka ''
complete -c 'cxv-upload' -n '__cxv-upload_should_offer_completions_for_positional "cxv-upload" -ge 1' -F
complete -c 'cxv-upload' -n '__cxv-upload_should_offer_completions_for_flags_or_options "cxv-upload" o output' -s 'o' -l 'output' -d 'Write to FILE instead of stdout; FILE appears whole once the stage has read all its input (exit 0, 1 or 69), else not at all.' -rF
complete -c 'cxv-upload' -n '__cxv-upload_should_offer_completions_for_flags_or_options "cxv-upload" log-level' -l 'log-level' -d 'What to say on stderr: error, warning, info (what was done) or debug (every request).' -rfka 'error warning info debug'
complete -c 'cxv-upload' -n '__cxv-upload_should_offer_completions_for_flags_or_options "cxv-upload" log-format' -l 'log-format' -d 'text, or json: one object a line, for batch systems that collect logs.' -rfka 'text json'
complete -c 'cxv-upload' -n '__cxv-upload_should_offer_completions_for_flags_or_options "cxv-upload" q quiet' -s 'q' -l 'quiet' -d 'Say nothing on stderr but errors (--log-level error) and draw no progress line.'
complete -c 'cxv-upload' -n '__cxv-upload_should_offer_completions_for_flags_or_options "cxv-upload" progress' -l 'progress' -d 'Draw a live line of counts on stderr, or never. Default: cxv-report draws one when stderr is a terminal; the other stages when stderr is a terminal and they write to a file (-o or >), not into a pipe. NO_COLOR turns its color off.'
complete -c 'cxv-upload' -n '__cxv-upload_should_offer_completions_for_flags_or_options "cxv-upload" no-progress' -l 'no-progress' -d 'Draw a live line of counts on stderr, or never. Default: cxv-report draws one when stderr is a terminal; the other stages when stderr is a terminal and they write to a file (-o or >), not into a pipe. NO_COLOR turns its color off.'
complete -c 'cxv-upload' -n '__cxv-upload_should_offer_completions_for_flags_or_options "cxv-upload" version' -l 'version' -d 'Show the version.'
complete -c 'cxv-upload' -n '__cxv-upload_should_offer_completions_for_flags_or_options "cxv-upload" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'cxv-upload' -n '__cxv-upload_should_offer_completions_for_positional "cxv-upload" -eq 2' -fa 'help' -d 'Show subcommand help information.'
complete -c 'cxv-upload' -n '__cxv-upload_should_offer_completions_for_flags_or_options "cxv-upload help" version' -l 'version' -d 'Show the version.'
