// Reading a QR code in the app: from the camera or from a photo, with the decoder the counter page
// uses (zxing-cpp compiled to WebAssembly, vendored under /static/zxing/, loaded only when needed).
let loading = null;
const READER = { formats: ["QRCode"], tryHarder: true, tryInvert: true, tryRotate: true, maxNumberOfSymbols: 1 };

function reader() {
  if (!loading) {
    loading = new Promise((resolve, reject) => {
      const ready = () => {
        window.ZXingWASM.prepareZXingModule({
          overrides: { locateFile: (path, prefix) => (path.endsWith(".wasm") ? "/static/zxing/" + path : prefix + path) },
        });
        resolve(window.ZXingWASM);
      };
      if (window.ZXingWASM) return ready();
      const script = document.createElement("script");
      script.src = "/static/zxing/zxing-reader.js";
      script.onload = ready;
      script.onerror = () => {
        loading = null;
        reject(new Error("the QR reader could not be loaded"));
      };
      document.head.append(script);
    });
  }
  return loading;
}

/** The bytes of the QR code in `source` (ImageData or a File/Blob), or null. */
export async function readQr(source) {
  const zxing = await reader();
  const results = await zxing.readBarcodes(source, READER);
  const found = results.find((r) => r.isValid && r.bytes && r.bytes.length);
  return found ? new Uint8Array(found.bytes) : null;
}

/** Watch the camera in `video` until a QR code is read: onBytes(bytes) once, then the camera stops.
 * Returns {stop()}; rejects when there is no camera or it was refused. */
export async function scanCamera(video, onBytes) {
  await reader();
  const stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" } });
  video.srcObject = stream;
  video.muted = true;
  video.setAttribute("playsinline", "");
  await video.play();
  const canvas = document.createElement("canvas");
  const context = canvas.getContext("2d", { willReadFrequently: true });
  let stopped = false;
  const stop = () => {
    stopped = true;
    for (const track of stream.getTracks()) track.stop();
    video.srcObject = null;
  };
  const tick = async () => {
    if (stopped) return;
    if (video.readyState >= video.HAVE_ENOUGH_DATA) {
      canvas.width = video.videoWidth;
      canvas.height = video.videoHeight;
      context.drawImage(video, 0, 0);
      const bytes = await readQr(context.getImageData(0, 0, canvas.width, canvas.height)).catch(() => null);
      if (bytes && !stopped) {
        stop();
        onBytes(bytes);
        return;
      }
    }
    setTimeout(tick, 150);
  };
  tick();
  return { stop };
}
