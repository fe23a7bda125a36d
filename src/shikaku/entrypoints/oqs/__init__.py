"""The オンライン資格確認 interface as clinic software speaks it (OQS.md): the national XML
messages (`XmlMsg`) read and written at the edge (`wire`), answered from the same verification
as the JSON API (`messages`), with shikaku's own error codes (`codes`)."""
