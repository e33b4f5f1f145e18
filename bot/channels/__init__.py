"""Rasa input channels of our own: the WeChat Official Account (``bot.channels.wechat.WeChatInput``)."""
